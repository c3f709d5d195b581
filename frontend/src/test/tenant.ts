import { randomBytes } from 'node:crypto';
import { api } from '../api/client';
import { setToken } from '../api/token';
import type { Project, Task, Tenant, User } from '../api/types';

export interface TestTenant {
  tenant: Tenant;
  owner: User;
  token: string;
  password: string;
}

export function uniqueSubdomain(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** Signs up a fresh organization on the base host, as the signup page does. */
export async function signupTenant(prefix = 't'): Promise<TestTenant> {
  const subdomain = uniqueSubdomain(prefix);
  const password = 'correct horse battery';
  const { data } = await api.post<{ tenant: Tenant; user: User; token: string }>(
    '/api/v1/tenants',
    { name: `Org ${subdomain}`, subdomain, owner: { name: 'Olive Owner', email: `owner@${subdomain}.test`, password } },
    { headers: { Host: 'localhost' } },
  );
  return { tenant: data.tenant, owner: data.user, token: data.token, password };
}

/** Makes every later request of the app's client go to `tenant`'s subdomain, logged in. */
export function enterTenant(t: TestTenant): void {
  api.defaults.headers.common.Host = `${t.tenant.subdomain}.localhost`;
  setToken(t.token);
}

export async function createProject(name = `Project ${uniqueSubdomain('p')}`): Promise<Project> {
  return (await api.post<Project>('/api/v1/projects', { name })).data;
}

export async function createTask(projectId: string, input: Partial<Task> & { title: string }): Promise<Task> {
  return (await api.post<Task>(`/api/v1/projects/${projectId}/tasks`, input)).data;
}

/** Creates `count` tasks one after the other (so in creation order), `make(i)` the i-th, from 1. */
export async function createTasks(
  projectId: string,
  count: number,
  make: (i: number) => Partial<Task> & { title: string },
): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 1; i <= count; i++) tasks.push(await createTask(projectId, make(i)));
  return tasks;
}
