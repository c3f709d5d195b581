import { useState } from 'react';
import { Container, Form, Nav, Navbar, Button } from 'react-bootstrap';
import { applyTheme, storedTheme, type ThemeChoice } from './theme';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorState } from '../components/QueryState';
import { canDeleteProjects, useLogout, useMe } from '../features/auth/queries';
import { ROLE_LABEL } from '../features/members/MembersPage';
import { LiveIndicator } from '../features/live/LiveIndicator';
import { useLiveUpdates } from '../features/live/useLiveUpdates';

export function Layout() {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const onProjects = pathname === '/' || pathname.startsWith('/projects/');
  // The link marked current follows the address, not the last link clicked in the navbar (a
  // link in the page, such as "Open the trash", changes screens too).
  const section = onProjects ? 'projects' : pathname.split('/')[1];
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme);
  const live = useLiveUpdates(me.data?.user.id);

  return (
    <>
      <a href="#main" className="visually-hidden-focusable position-absolute top-0 start-0 p-2 bg-body">
        Skip to content
      </a>
      <Navbar expand="md" bg="dark" data-bs-theme="dark" className="mb-4" collapseOnSelect>
        <Container fluid="lg">
          <Navbar.Brand as={NavLink} to="/">
            TaskFlow
            {me.data && <span className="ms-2 fw-light" data-testid="tenant-name">· {me.data.tenant.name}</span>}
          </Navbar.Brand>
          <Navbar.Toggle aria-controls="main-nav" />
          <Navbar.Collapse id="main-nav">
            <Nav className="me-auto" activeKey={section}>
              <Nav.Link as={NavLink} to="/" end className={onProjects ? 'active' : undefined} aria-current={onProjects ? 'page' : undefined} eventKey="projects">
                Projects
              </Nav.Link>
              <Nav.Link as={NavLink} to="/my-tasks" eventKey="my-tasks">
                My tasks
              </Nav.Link>
              <Nav.Link as={NavLink} to="/members" eventKey="members">
                Members
              </Nav.Link>
              {canDeleteProjects(me.data?.user) && (
                <Nav.Link as={NavLink} to="/trash" eventKey="trash">
                  Trash
                </Nav.Link>
              )}
              <Nav.Link as={NavLink} to="/account" eventKey="account">
                Account
              </Nav.Link>
            </Nav>
            {me.data && <LiveIndicator {...live} />}
            <Form.Select
              size="sm"
              aria-label="Theme"
              className="w-auto me-md-3 my-2 my-md-0"
              value={theme}
              onChange={(e) => {
                const choice = e.target.value as ThemeChoice;
                applyTheme(choice);
                setTheme(choice);
              }}
            >
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </Form.Select>
            {me.data && (
              <Navbar.Text className="me-md-3" data-testid="current-user">
                {me.data.user.name}{' '}
                <span className="text-white-50">
({ROLE_LABEL[me.data.user.role]})
                </span>
              </Navbar.Text>
            )}
            <Button
              variant="outline-light"
              size="sm"
              onClick={() => {
                void logout();
                navigate('/login', { replace: true });
              }}
            >
              Log out
            </Button>
          </Navbar.Collapse>
        </Container>
      </Navbar>
      <Container fluid="lg" as="main" id="main" className="pb-5">
        {me.isError && <ErrorState error={me.error} onRetry={() => me.refetch()} />}
        <Outlet />
      </Container>
    </>
  );
}
