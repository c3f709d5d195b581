import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { api } from '../../api/client';
import { renderAt } from '../../test/render';
import { enterTenant, signupTenant } from '../../test/tenant';
import { LoginPage } from '../auth/LoginPage';
import { ForgotPasswordPage } from './ForgotPasswordPage';
import { ResetPasswordPage } from './ResetPasswordPage';

describe('password recovery', () => {
  it('the login page links to the forgotten password page, which answers alike for every email', async () => {
    const t = await signupTenant();
    enterTenant(t);
    window.localStorage.clear();
    renderAt('/login', <LoginPage subdomain={t.tenant.subdomain} baseHost="localhost" />, {
      '/forgot-password': <ForgotPasswordPage />,
    });
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('link', { name: 'Forgot password?' }));
    expect(await screen.findByRole('heading', { name: 'Reset your password' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'nobody@example.test');
    await user.click(screen.getByRole('button', { name: 'Send me a reset link' }));
    const notice = await screen.findByRole('status');
    expect(notice).toHaveTextContent('If an account exists for nobody@example.test, a link to choose a new password was sent to it.');
    expect(notice).toHaveTextContent('The link works for 60 minutes.');
  });

  it('a reset link that does not work says so and offers a new one', async () => {
    const t = await signupTenant();
    enterTenant(t);
    window.localStorage.clear();
    renderAt('/reset-password#token=not-a-real-token', <ResetPasswordPage />, {}, '/reset-password');
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText('New password'), 'a new password 1');
    await user.type(screen.getByLabelText('New password, again'), 'a new password 2');
    expect(screen.getByText('The two passwords differ.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Set new password' })).toBeDisabled();
    await user.clear(screen.getByLabelText('New password, again'));
    await user.type(screen.getByLabelText('New password, again'), 'a new password 1');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByText(/This reset link does not work/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toBeInTheDocument();
  });

  it('a throttled login says how long to wait', async () => {
    const t = await signupTenant();
    enterTenant(t);
    // Past five failures of the account, every attempt is refused for a while.
    for (let i = 0; i < 5; i++) {
      await api.post('/api/v1/auth/login', { email: t.owner.email, password: 'wrong password' }).catch(() => undefined);
    }
    window.localStorage.clear();
    renderAt('/login', <LoginPage subdomain={t.tenant.subdomain} baseHost="localhost" />);
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText('Email'), t.owner.email);
    await user.type(screen.getByLabelText('Password'), t.password);
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Too many failed attempts.*try again in \d+ (seconds|minutes?)\./);
  });
});
