import { describe, expect, it } from 'vitest';
import { siteOf, tenantUrl } from './host';

describe('siteOf', () => {
  it('reads the bare local host as the base, keeping the port', () => {
    expect(siteOf('localhost:8080')).toEqual({ kind: 'base', baseHost: 'localhost:8080' });
  });

  it('reads the first label under localhost as the tenant', () => {
    expect(siteOf('Acme.LocalHost:5173')).toEqual({ kind: 'tenant', subdomain: 'acme', baseHost: 'localhost:5173' });
  });

  it('takes the last two labels as the base domain elsewhere', () => {
    expect(siteOf('taskflow.example')).toEqual({ kind: 'base', baseHost: 'taskflow.example' });
    expect(siteOf('globex.taskflow.example')).toEqual({ kind: 'tenant', subdomain: 'globex', baseHost: 'taskflow.example' });
    expect(siteOf('www.taskflow.example')).toEqual({ kind: 'base', baseHost: 'taskflow.example' });
  });

  it('follows a configured base domain', () => {
    expect(siteOf('acme.app.corp.example', 'app.corp.example')).toEqual({
      kind: 'tenant',
      subdomain: 'acme',
      baseHost: 'app.corp.example',
    });
    expect(siteOf('app.corp.example', 'app.corp.example').kind).toBe('base');
  });

  it('treats an IP address as the base host', () => {
    expect(siteOf('127.0.0.1:8080')).toEqual({ kind: 'base', baseHost: '127.0.0.1:8080' });
  });
});

describe('tenantUrl', () => {
  it('puts the subdomain in front of the base host', () => {
    expect(tenantUrl('acme', 'localhost:8080', '/login', 'http:')).toBe('http://acme.localhost:8080/login');
  });
});
