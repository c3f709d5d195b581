import { Col, Container, Row } from 'react-bootstrap';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';

const FEATURES: [string, string][] = [
  ['Boards your team agrees on', 'To do, in progress, done: drag a card, or move it from the keyboard.'],
  ['Find anything', 'Search titles and descriptions, filter by priority or by who is on it, share the view by its link.'],
  ['No lost edits', 'Two people change one task: the second sees what the first changed before saving.'],
  ['Your organization, walled off', 'Each organization has its own address; nothing of one is ever shown to another.'],
];

/** What TaskFlow is, on the bare base host, with the way in. */
export function LandingPage() {
  return (
    <Container className="py-5">
      <PageTitle>Project boards for teams</PageTitle>
      <Row className="align-items-center g-5">
        <Col lg={5}>
          <h1 className="display-5 fw-semibold">TaskFlow</h1>
          <p className="lead">Projects and tasks for your whole team, on your organization&apos;s own address.</p>
          <div className="d-flex flex-wrap gap-2 mb-4">
            <Link to="/signup" className="btn btn-primary btn-lg">
              Sign up your organization
            </Link>
            <Link to="/signup#find" className="btn btn-outline-secondary btn-lg">
              Go to your organization
            </Link>
          </div>
          <ul className="list-unstyled" aria-label="What TaskFlow does">
            {FEATURES.map(([title, text]) => (
              <li key={title} className="mb-3">
                <h2 className="h6 mb-1">{title}</h2>
                <p className="text-body-secondary mb-0">{text}</p>
              </li>
            ))}
          </ul>
        </Col>
        <Col lg={7}>
          <img
            src="/board.png"
            className="img-fluid rounded shadow border"
            width={1280}
            height={860}
            alt="A TaskFlow board: three columns of task cards, with search and filters above them"
          />
        </Col>
      </Row>
    </Container>
  );
}
