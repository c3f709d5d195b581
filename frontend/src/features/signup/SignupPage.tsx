import { useState, type FormEvent } from 'react';
import { Button, Card, Col, Container, Form, InputGroup, Row } from 'react-bootstrap';
import { ApiError } from '../../api/error';
import { fieldError, MutationError } from '../../components/QueryState';
import { SUBDOMAIN_PATTERN, tenantUrl } from '../../app/host';
import { useSignup } from './queries';
import { PageTitle } from '../../components/PageTitle';

interface SignupPageProps {
  baseHost: string;
  /** Where the browser goes next; the real page leaves for the new subdomain. */
  go?: (url: string) => void;
}

function leave(url: string) {
  window.location.assign(url);
}

function suggestSubdomain(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

export function SignupPage({ baseHost, go = leave }: SignupPageProps) {
  const signup = useSignup();
  const [name, setName] = useState('');
  const [subdomain, setSubdomain] = useState('');
  const [subdomainEdited, setSubdomainEdited] = useState(false);
  const [ownerName, setOwnerName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signup.mutate(
      { name, subdomain, owner: { name: ownerName, email, password } },
      {
        onSuccess: ({ tenant, token }) =>
          go(tenantUrl(tenant.subdomain, baseHost, `/#token=${encodeURIComponent(token)}`)),
      },
    );
  };

  const err = (field: string) => fieldError(signup.error, field);
  const subdomainTaken =
    signup.error instanceof ApiError && signup.error.code === 'conflict' ? signup.error.message : undefined;

  return (
    <Container className="py-5">
      <PageTitle>Sign up your organization</PageTitle>
      <Row className="justify-content-center g-4">
        <Col xs={12} lg={7}>
          <h1 className="h2">TaskFlow</h1>
          <p className="lead text-body-secondary">Projects and tasks for your whole team, in one place.</p>
          <Card className="shadow-sm">
            <Card.Body className="p-4">
              <h2 className="h4 mb-3">Create your organization</h2>
              <MutationError error={signup.error} />
              <Form onSubmit={submit} noValidate>
                <Form.Group className="mb-3" controlId="signup-name">
                  <Form.Label>Organization name</Form.Label>
                  <Form.Control
                    required
                    autoFocus
                    value={name}
                    isInvalid={!!err('name')}
                    onChange={(e) => {
                      setName(e.target.value);
                      if (!subdomainEdited) setSubdomain(suggestSubdomain(e.target.value));
                    }}
                  />
                  <Form.Control.Feedback type="invalid">{err('name')}</Form.Control.Feedback>
                </Form.Group>
                <Form.Group className="mb-3" controlId="signup-subdomain">
                  <Form.Label>Address</Form.Label>
                  <InputGroup hasValidation>
                    <Form.Control
                      required
                      value={subdomain}
                      aria-describedby="signup-subdomain-help"
                      isInvalid={!!(err('subdomain') ?? subdomainTaken) || (subdomain !== '' && !SUBDOMAIN_PATTERN.test(subdomain))}
                      onChange={(e) => {
                        setSubdomainEdited(true);
                        setSubdomain(e.target.value.toLowerCase());
                      }}
                    />
                    <InputGroup.Text>.{baseHost}</InputGroup.Text>
                    <Form.Control.Feedback type="invalid">
                      {err('subdomain') ?? subdomainTaken ?? 'Use lowercase letters, digits and single dashes.'}
                    </Form.Control.Feedback>
                  </InputGroup>
                  <Form.Text id="signup-subdomain-help">Your team signs in at this address.</Form.Text>
                </Form.Group>
                <Row>
                  <Col md={6}>
                    <Form.Group className="mb-3" controlId="signup-owner-name">
                      <Form.Label>Your name</Form.Label>
                      <Form.Control
                        required
                        value={ownerName}
                        autoComplete="name"
                        isInvalid={!!err('owner.name')}
                        onChange={(e) => setOwnerName(e.target.value)}
                      />
                      <Form.Control.Feedback type="invalid">{err('owner.name')}</Form.Control.Feedback>
                    </Form.Group>
                  </Col>
                  <Col md={6}>
                    <Form.Group className="mb-3" controlId="signup-email">
                      <Form.Label>Your email</Form.Label>
                      <Form.Control
                        type="email"
                        required
                        value={email}
                        autoComplete="email"
                        isInvalid={!!err('owner.email')}
                        onChange={(e) => setEmail(e.target.value)}
                      />
                      <Form.Control.Feedback type="invalid">{err('owner.email')}</Form.Control.Feedback>
                    </Form.Group>
                  </Col>
                </Row>
                <Form.Group className="mb-3" controlId="signup-password">
                  <Form.Label>Password</Form.Label>
                  <Form.Control
                    type="password"
                    required
                    minLength={8}
                    value={password}
                    autoComplete="new-password"
                    isInvalid={!!err('owner.password')}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                  <Form.Control.Feedback type="invalid">{err('owner.password')}</Form.Control.Feedback>
                  <Form.Text>At least 8 characters.</Form.Text>
                </Form.Group>
                <Button type="submit" size="lg" className="w-100" disabled={signup.isPending}>
                  {signup.isPending ? 'Creating…' : 'Create organization'}
                </Button>
              </Form>
            </Card.Body>
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <GoToOrganization baseHost={baseHost} go={go} />
        </Col>
      </Row>
    </Container>
  );
}

export function GoToOrganization({ baseHost, go = leave }: SignupPageProps) {
  const [subdomain, setSubdomain] = useState('');
  const valid = SUBDOMAIN_PATTERN.test(subdomain);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) go(tenantUrl(subdomain, baseHost, '/login'));
  };
  return (
    <Card className="shadow-sm" id="find">
      <Card.Body className="p-4">
        <h2 className="h5">Already have an organization?</h2>
        <Form onSubmit={submit}>
          <Form.Group className="mb-3" controlId="goto-subdomain">
            <Form.Label>Go to your organization</Form.Label>
            <InputGroup>
              <Form.Control
                value={subdomain}
                placeholder="acme"
                isInvalid={subdomain !== '' && !valid}
                onChange={(e) => setSubdomain(e.target.value.trim().toLowerCase())}
              />
              <InputGroup.Text>.{baseHost}</InputGroup.Text>
            </InputGroup>
          </Form.Group>
          <Button type="submit" variant="outline-primary" className="w-100" disabled={!valid}>
            Continue
          </Button>
        </Form>
      </Card.Body>
    </Card>
  );
}
