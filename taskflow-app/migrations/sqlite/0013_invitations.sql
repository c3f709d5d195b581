-- Invitations to join the tenant by a one-time link, valid 7 days. `id` is a UUID v5 of the
-- link's token, so no usable token is stored; accepting one deletes it.
CREATE TABLE invitations (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id BLOB NOT NULL,
    email VARCHAR(254) NOT NULL,
    role VARCHAR(16) NOT NULL,
    invited_by BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT invitations_inviter_fkey FOREIGN KEY (tenant_id, invited_by)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The pending invitations, newest last; the inviter's, found by the foreign key.
CREATE INDEX invitations_by_creation ON invitations (tenant_id, created_at, id);
CREATE INDEX invitations_by_inviter ON invitations (tenant_id, invited_by);
