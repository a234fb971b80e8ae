/** Which page a path shows, and the gates in front of it: logged in, password changed, role allowed. */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Permission } from "../../src/domain/authz.js";
import { useSession, can } from "./session.js";
import { match, useLocation } from "./router.js";
import { Shell } from "./layout.js";
import { Loading } from "./components/states.js";
import { PageHeader } from "./components/page.js";
import { Link } from "./components/link.js";
import { LoginPage } from "./features/auth/login.js";
import { PasswordPage } from "./features/auth/password.js";
import { DashboardPage } from "./features/dashboard/dashboard.js";
import { OrganisationsPage } from "./features/organisations/list.js";
import { OrganisationFormPage } from "./features/organisations/form.js";
import { OperatorsPage } from "./features/operators/list.js";
import { OperatorFormPage } from "./features/operators/form.js";
import { ContractsPage } from "./features/contracts/list.js";
import { ContractFormPage } from "./features/contracts/form.js";
import { CataloguePage } from "./features/catalogue/list.js";
import { CatalogueImportPage } from "./features/catalogue/import.js";
import { AccountsPage } from "./features/accounts/list.js";
import { AccountFormPage } from "./features/accounts/form.js";
import { AuditPage } from "./features/audit/audit.js";
import { CalendarPage } from "./features/calendar/calendar.js";
import { NotificationsPage } from "./features/notifications/notifications.js";
import { WhatIfPage } from "./features/gateway/what-if.js";
import { PinnedPage } from "./features/gateway/pinned.js";
import { GatewayNodesPage } from "./features/gateway/nodes.js";
import { CategoriesPage } from "./features/categories/categories.js";
import { CaPage } from "./features/ca/ca.js";
import { MailPage } from "./features/mail/mail.js";
import { TransparencyPage } from "./features/transparency/transparency.js";
import { ApplicationsPage } from "./features/applications/inbox.js";
import { ApplicationPage } from "./features/applications/detail.js";
import { SubmitPage, IncidentReportPage } from "./features/applications/submit.js";
import { TasksPage } from "./features/applications/tasks.js";
import { IncidentsPage } from "./features/incidents/queue.js";
import { UnknownSourcesPage } from "./features/unknown-sources/list.js";
import { PoliciesPage } from "./features/policies/policies.js";
import { RootInstallGuidePage } from "./features/guides/root-install.js";
import { RecategorisationPage } from "./features/guides/recategorisation.js";

interface Route {
  path: string;
  permission: Permission | null;
  render: (params: Record<string, string>) => ReactNode;
}

const ROUTES: Route[] = [
  { path: "/", permission: null, render: () => <DashboardPage /> },
  { path: "/password", permission: null, render: () => <PasswordPage /> },
  { path: "/organisations", permission: "organisation.read", render: () => <OrganisationsPage /> },
  { path: "/organisations/new", permission: "organisation.write", render: () => <OrganisationFormPage /> },
  { path: "/organisations/:id", permission: "organisation.read", render: (p) => <OrganisationFormPage id={p.id} /> },
  { path: "/operators", permission: "operator.read", render: () => <OperatorsPage /> },
  { path: "/operators/new", permission: "operator.write", render: () => <OperatorFormPage /> },
  { path: "/operators/:id", permission: "operator.read", render: (p) => <OperatorFormPage id={p.id} /> },
  { path: "/contracts", permission: "contract.read", render: () => <ContractsPage /> },
  { path: "/contracts/new", permission: "contract.write", render: () => <ContractFormPage /> },
  { path: "/contracts/:id", permission: "contract.read", render: (p) => <ContractFormPage id={p.id} /> },
  { path: "/catalogue", permission: "catalogue.read", render: () => <CataloguePage /> },
  { path: "/catalogue/import", permission: "catalogue.write", render: () => <CatalogueImportPage /> },
  { path: "/accounts", permission: "account.read", render: () => <AccountsPage /> },
  { path: "/accounts/new", permission: "account.write", render: () => <AccountFormPage /> },
  { path: "/audit", permission: "audit.read", render: () => <AuditPage /> },
  { path: "/calendar", permission: "calendar.read", render: () => <CalendarPage /> },
  { path: "/notifications", permission: "notification.read", render: () => <NotificationsPage /> },
  { path: "/gateway/what-if", permission: "gateway.what-if", render: () => <WhatIfPage /> },
  { path: "/gateway/pinned", permission: "gateway.pinned.read", render: () => <PinnedPage /> },
  { path: "/gateway/nodes", permission: "gateway-node.read", render: () => <GatewayNodesPage /> },
  { path: "/categories", permission: "category.read", render: () => <CategoriesPage /> },
  { path: "/ca", permission: "ca.read", render: () => <CaPage /> },
  { path: "/mail", permission: "mail.read", render: () => <MailPage /> },
  { path: "/transparency", permission: "report.read", render: () => <TransparencyPage /> },
  { path: "/applications", permission: "application.read", render: () => <ApplicationsPage /> },
  { path: "/applications/new", permission: "application.submit", render: () => <SubmitPage /> },
  { path: "/applications/:id", permission: "application.read", render: (p) => <ApplicationPage id={p.id!} /> },
  { path: "/tasks", permission: "task.read", render: () => <TasksPage /> },
  { path: "/incidents", permission: "incident.read", render: () => <IncidentsPage /> },
  { path: "/incidents/new", permission: "incident.report", render: () => <IncidentReportPage /> },
  { path: "/unknown-sources", permission: "unknown-source.read", render: () => <UnknownSourcesPage /> },
  { path: "/policies", permission: "policy.read", render: () => <PoliciesPage /> },
  { path: "/guides/root-certificate", permission: "ca.read", render: () => <RootInstallGuidePage /> },
];

function NotFound({ forbidden }: { forbidden: boolean }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeader title={forbidden ? t("notFound.forbiddenTitle") : t("notFound.title")} />
      <p>{forbidden ? t("notFound.forbidden") : t("notFound.text")}</p>
      <p>
        <Link to="/">{t("notFound.home")}</Link>
      </p>
    </section>
  );
}

export function App() {
  const { state } = useSession();
  const { path } = useLocation();
  // Reached from a block page (its link is /requests/new?ref=&host=): no account is needed to ask.
  if (path === "/recategorisation" || path === "/requests/new") return <RecategorisationPage />;
  if (state.status === "loading") return <Loading />;
  if (state.status === "anonymous") return <LoginPage expired={state.expired} />;
  const account = state.account;
  if (account.mustChangePassword) {
    return (
      <Shell navigation={false}>
        <PasswordPage />
      </Shell>
    );
  }
  for (const r of ROUTES) {
    const params = match(r.path, path);
    if (!params) continue;
    if (r.permission && !can(account.role, r.permission)) {
      return (
        <Shell>
          <NotFound forbidden />
        </Shell>
      );
    }
    return <Shell key={path}>{r.render(params)}</Shell>;
  }
  return (
    <Shell>
      <NotFound forbidden={false} />
    </Shell>
  );
}
