import { describe, expect, it } from 'vitest';
import { createProject, enterTenant, signupTenant } from '../test/tenant';
import { api, setUnauthorizedHandler } from './client';
import { ApiError } from './error';
import { getToken, setToken } from './token';
import type { Me } from './types';

describe('the api client against the real backend', () => {
  it('sends the stored token as a bearer token', async () => {
    const t = await signupTenant();
    enterTenant(t);
    const { data } = await api.get<Me>('/api/v1/me');
    expect(data.user.email).toBe(t.owner.email);
    expect(data.tenant.subdomain).toBe(t.tenant.subdomain);
  });

  it("surfaces the API's error code and message", async () => {
    const t = await signupTenant();
    enterTenant(t);
    await createProject('Website');
    const error = await createProject('Website').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'conflict' });
    expect((error as ApiError).message).toMatch(/name/i);
  });

  it('surfaces the fields of a validation error', async () => {
    const error = await api
      .post('/api/v1/tenants', { name: 'Admins', subdomain: 'admin', owner: { name: 'A', email: 'a@b.test', password: 'short' } }, { headers: { Host: 'localhost' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(Object.keys((error as ApiError).fields)).toEqual(expect.arrayContaining(['subdomain', 'owner.password']));
  });

  it('on a 401, forgets the token and sends the user to log in', async () => {
    const t = await signupTenant();
    enterTenant(t);
    setToken('not-a-jwt');
    let redirected = 0;
    const restore = setUnauthorizedHandler(() => {
      redirected += 1;
    });
    try {
      const error = await api.get('/api/v1/projects').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(getToken()).toBeNull();
      expect(redirected).toBe(1);
    } finally {
      restore();
    }
  });

  it('leaves a failed login to the login form', async () => {
    const t = await signupTenant();
    enterTenant(t);
    let redirected = 0;
    const restore = setUnauthorizedHandler(() => {
      redirected += 1;
    });
    try {
      const error = await api
        .post('/api/v1/auth/login', { email: t.owner.email, password: 'wrong password' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401 });
      expect(getToken()).toBe(t.token);
      expect(redirected).toBe(0);
    } finally {
      restore();
    }
  });

  it("reads another tenant's token as unauthorized", async () => {
    const a = await signupTenant();
    const b = await signupTenant();
    enterTenant(a);
    setToken(b.token);
    const restore = setUnauthorizedHandler(() => {});
    try {
      await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    } finally {
      restore();
    }
  });
});
