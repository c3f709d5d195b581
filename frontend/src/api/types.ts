// The API's shapes, named from the types generated out of its OpenAPI description
// (`schema.d.ts`, by `npm run api-types`; see README.md). Nothing here is written by hand but
// the names.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Role = Schemas['Role'];
export type TaskStatus = Schemas['TaskStatus'];
export type TaskPriority = Schemas['TaskPriority'];
/// A due-date filter: `overdue`, `week` or `none`.
export type TaskDue = Schemas['DueFilter'];
/// A list's order: `created` (the default), `due` or `priority`.
export type TaskSort = Schemas['TaskSort'];
export type ReportStatus = Schemas['ReportStatus'];

export type User = Schemas['User'];
export type Tenant = Schemas['Tenant'];
export type Project = Schemas['Project'];
export type TrashedProject = Schemas['TrashedProject'];
export type Trash = Schemas['Trash'];
export type Task = Schemas['Task'];
/// How many of a project's tasks each status holds under a filter (`/tasks/counts`).
export type TaskCounts = Schemas['TaskCounts'];
export type Comment = Schemas['Comment'];
export type Report = Schemas['Report'];
export type Me = Schemas['Me'];
export type Session = Schemas['Session'];
export type SignedUp = Schemas['SignedUp'];
export type ApiErrorBody = Schemas['Error'];
export type Invitation = Schemas['Invitation'];
/// A new invitation and its one-time link, shown once.
export type CreatedInvitation = Schemas['CreatedInvitation'];
export type InvitationInput = Schemas['InvitationInput'];
export type InvitationPreview = Schemas['InvitationPreview'];
export type AcceptInvitation = Schemas['AcceptInvitation'];
export type ResetRequested = Schemas['ResetRequested'];
/// One entry of a task's history (`created` or `updated`).
export type Activity = Schemas['Activity'];

/// A page of `T`, as every list answers (`Page_Task`, `Page_Project`, ... in the description).
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/// The body of a change to a task: only the fields sent change.
export type TaskChange = Schemas['TaskInput'];
/// The body of a new task.
export type NewTask = Schemas['NewTaskInput'];
