/**
 * The Probot app: routing only. Each route names the webhook it handles and the handler that
 * turns the payload into a core command. The intake consults the same table to tell handled
 * events from ignored ones before anything is processed.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { Services } from "./services.js";
import { onInstallation, onInstallationRepositories } from "./webhooks/installation.js";

type Route = { event: string; register(app: Probot, services: Services): void };

const routes: Route[] = [
  { event: "installation", register: (app, s) => app.on("installation", onInstallation(s)) },
  {
    event: "installation_repositories",
    register: (app, s) => app.on("installation_repositories", onInstallationRepositories(s)),
  },
];

const HANDLED_EVENTS = new Set(routes.map((r) => r.event));

export function isHandledEvent(event: string, _action?: string): boolean {
  return HANDLED_EVENTS.has(event);
}

export function codewalkersApp(services: Services): ApplicationFunction {
  return (app) => {
    for (const route of routes) route.register(app, services);
  };
}
