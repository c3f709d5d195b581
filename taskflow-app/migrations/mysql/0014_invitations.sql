-- Invitations to join the tenant by a one-time link, valid 7 days. `id` is a UUID v5 of the
-- link's token, so no usable token is stored; accepting one deletes it.
CREATE TABLE invitations (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    email VARCHAR(254) NOT NULL,
    role VARCHAR(16) NOT NULL,
    invited_by BINARY(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT invitations_inviter_fkey FOREIGN KEY (tenant_id, invited_by)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The pending invitations, newest last; the inviter's, found by the foreign key.
CREATE INDEX invitations_by_creation ON invitations (tenant_id, created_at, id);
CREATE INDEX invitations_by_inviter ON invitations (tenant_id, invited_by);
