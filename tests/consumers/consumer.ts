// A small frontend's use of the API through types generated from the merged OpenAPI document
// (openapi-typescript, into generated/schema.d.ts) and openapi-fetch: it must compile under
// `tsc --strict`, so an operation, parameter or field the document loses or renames breaks it.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Problem = components["schemas"]["Problem"];

export function api(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

function failed(problem: Problem): never {
  throw new Error(`${problem.status} ${problem.title}: ${problem.detail ?? ""}`);
}

/** The board reports of a year, one line each: the controller's list. */
export async function boardReports(client: ReturnType<typeof api>, year: number): Promise<string[]> {
  const { data, error } = await client.GET("/api/followup/v1/reports", { params: { query: { year, level: "BOARD" } } });
  if (error) failed(error);
  return data.items.map((report) => `${report.org_unit?.name ?? report.org_unit_id}: ${report.status}`);
}

/** The goals of the thread's first level, for the start screen. */
export async function municipalGoals(client: ReturnType<typeof api>, year: number): Promise<string[]> {
  const { data, error } = await client.GET("/api/goals/v1/thread", { params: { query: { year } } });
  if (error) failed(error);
  return data.goals.map((goal) => goal.title);
}

/** A goal assessed in a draft report, with the ETag last read, as an edit screen saves it. */
export async function assess(client: ReturnType<typeof api>, reportId: string, goalId: string, etag: string): Promise<string> {
  const { data, error, response } = await client.PUT("/api/followup/v1/reports/{report_id}/assessments/{goal_id}", {
    params: { path: { report_id: reportId, goal_id: goalId }, header: { "If-Match": etag } },
    body: { level_code: "DELVIS_UPPFYLLT", analysis: "Resultaten går åt rätt håll men målvärdet nås inte i år." },
  });
  if (error) failed(error);
  return `${data.status} ${response.headers.get("ETag") ?? ""}`;
}
