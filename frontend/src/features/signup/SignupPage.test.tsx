import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { api } from '../../api/client';
import { renderAt } from '../../test/render';
import { uniqueSubdomain } from '../../test/tenant';
import { GoToOrganization, SignupPage } from './SignupPage';

async function fillSignup(name: string, subdomain: string, password: string) {
  const user = userEvent.setup({ delay: null });
  await user.type(screen.getByLabelText('Organization name'), name);
  const address = screen.getByLabelText('Address');
  await user.clear(address);
  await user.type(address, subdomain);
  await user.type(screen.getByLabelText('Your name'), 'Ada Owner');
  await user.type(screen.getByLabelText('Your email'), `ada@${subdomain}.test`);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Create organization' }));
}

describe('SignupPage', () => {
  it('suggests an address from the organization name', async () => {
    renderAt('/signup', <SignupPage baseHost="localhost:8080" go={() => {}} />);
    await userEvent.setup({ delay: null }).type(screen.getByLabelText('Organization name'), 'Acme Rockets!');
    expect(screen.getByLabelText('Address')).toHaveValue('acme-rockets');
  });

  it("shows the API's field messages for a reserved address and a short password", async () => {
    api.defaults.headers.common.Host = 'localhost';
    renderAt('/signup', <SignupPage baseHost="localhost:8080" go={() => {}} />);
    await fillSignup('Admins', 'admin', 'short');
    expect(await screen.findByRole('alert')).toHaveTextContent('Some fields need fixing: see the messages below them.');
    expect(screen.getByLabelText('Address')).toHaveClass('is-invalid');
    expect(screen.getByLabelText('Password')).toHaveClass('is-invalid');
  });

  it('continues on the new subdomain with the token in the fragment', async () => {
    api.defaults.headers.common.Host = 'localhost';
    const gone: string[] = [];
    const subdomain = uniqueSubdomain('s');
    renderAt('/signup', <SignupPage baseHost="localhost:8080" go={(url) => gone.push(url)} />);
    await fillSignup('Signup Co', subdomain, 'long enough password');
    await vi.waitFor(() => expect(gone).toHaveLength(1));
    expect(gone[0]).toMatch(new RegExp(`^http://${subdomain}\\.localhost:8080/#token=[\\w.-]+$`));
  });
});

describe('GoToOrganization', () => {
  it('goes to the login page of the subdomain typed', async () => {
    const gone: string[] = [];
    renderAt('/', <GoToOrganization baseHost="localhost:8080" go={(url) => gone.push(url)} />);
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText('Go to your organization'), 'acme');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(gone).toEqual(['http://acme.localhost:8080/login']);
  });
});
