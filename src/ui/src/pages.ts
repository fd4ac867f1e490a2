import { lazy, type ComponentType, type LazyExoticComponent } from "react";

export interface PageDef {
  path: string;
  title: string;
  /** Hidden from members; the API refuses them anyway. */
  adminOnly?: boolean;
  /** Schema fields the page cannot work without ("Query.usage"); checked against the live schema. */
  needs: string[];
  component: LazyExoticComponent<ComponentType>;
}

/** Every page is its own chunk, so the first screen loads only the shell and that page. */
export const PAGES: PageDef[] = [
  { path: "/", title: "Overview", needs: ["Query.usage"], component: lazy(() => import("./pages/Overview")) },
  { path: "/costs", title: "Costs", needs: ["Query.usage"], component: lazy(() => import("./pages/Costs")) },
  { path: "/budgets", title: "Budgets", needs: ["Query.budgets"], component: lazy(() => import("./pages/Budgets")) },
  { path: "/models", title: "Models", needs: ["Query.models"], component: lazy(() => import("./pages/Models")) },
  { path: "/routing", title: "Routing", adminOnly: true, needs: ["Query.routingRules"], component: lazy(() => import("./pages/Routing")) },
  { path: "/keys", title: "Keys", needs: ["Query.apiKeys"], component: lazy(() => import("./pages/Keys")) },
  { path: "/requests", title: "Requests", needs: ["Query.requests"], component: lazy(() => import("./pages/Requests")) },
  { path: "/playground", title: "Playground", needs: ["Subscription.completionStream"], component: lazy(() => import("./pages/Playground")) },
];
