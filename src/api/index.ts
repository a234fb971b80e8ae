/** The full control-plane API: every resource's routes, registered in one place. */
import { buildApi, type ApiDeps, type App } from "./server.js";
import { authRoutes } from "./routes/auth.js";
import { registryRoutes } from "./routes/registry.js";
import { catalogueRoutes } from "./routes/catalogue.js";
import { auditRoutes } from "./routes/audit.js";
import { notificationRoutes } from "./routes/notifications.js";
import { calendarRoutes } from "./routes/calendar.js";
import { gatewayRoutes } from "./routes/gateway.js";
import { applicationRoutes } from "./routes/applications.js";
import { incidentRoutes } from "./routes/incidents.js";
import { policyRoutes } from "./routes/policies.js";
import { unknownSourceRoutes } from "./routes/unknown-sources.js";
import { caRoutes } from "./routes/ca.js";
import { applicationInboxRoutes } from "./routes/application-inbox.js";
import { mailRoutes } from "./routes/mail.js";
import { reportRoutes } from "./routes/reports.js";
import { pinnedAppRoutes } from "./routes/pinned-apps.js";

export type { ApiDeps, App };

export async function createApi(deps: ApiDeps, extra: ((app: App, route: Parameters<Parameters<typeof buildApi>[1]>[1]) => void)[] = []): Promise<App> {
  return buildApi(deps, (app, route) => {
    for (const r of [authRoutes(deps), registryRoutes(deps), catalogueRoutes(deps), auditRoutes(deps), notificationRoutes(deps), calendarRoutes(deps), gatewayRoutes(deps), applicationRoutes(deps), applicationInboxRoutes(deps), incidentRoutes(deps), policyRoutes(deps), unknownSourceRoutes(deps), reportRoutes(deps), pinnedAppRoutes(deps), ...extra]) r(app, route);
    caRoutes(deps)(app, route);
    mailRoutes(deps)(app, route);
  });
}
