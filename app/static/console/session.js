// What the pages share: who is signed in, what their role may do, and the cached list of scenarios.
import { api, listOf, setCsrf } from "./api.js";

let staff = null; // the session's staff member (GET /session's `staff`), null when signed out
let scenarios = null; // the scenarios this staff member may see, once loaded

/** The signed-in staff member ({id, name, role, organization}), or null. */
export function me() {
  return staff;
}

export function signedIn(session) {
  setCsrf(session.csrf_token);
  staff = session.staff;
  scenarios = null;
}

export function signedOut() {
  setCsrf(null);
  staff = null;
}

// -- roles ------------------------------------------------------------------------------------------------------
export const can = {
  scenarios: (r) => ["admin", "organizer", "venue_staff"].includes(r),
  manageScenarios: (r) => ["admin", "organizer"].includes(r),
  projects: (r) => ["admin", "project_owner"].includes(r),
  accounts: (r) => r === "admin",
};

// -- the scenario list ------------------------------------------------------------------------------------------
/** The scenarios (cached; `force` asks the API again). */
export async function loadScenarios(force = false) {
  if (!scenarios || force) scenarios = listOf(await api("GET", "/scenarios"));
  return scenarios;
}

/** After a change to a scenario: the next loadScenarios() asks the API. */
export function forgetScenarios() {
  scenarios = null;
}
