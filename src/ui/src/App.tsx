import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Provider, useQuery } from "urql";
import { ApiMissing, ErrorState, Loading } from "./components/ui";
import { CapabilitiesDocument, SessionDocument } from "./gql/graphql";
import { clearStoredKey, readStoredKey, storeKey } from "./lib/auth";
import { createApiClient } from "./lib/client";
import { isAuthError } from "./lib/errors";
import { Link, navigate, usePath } from "./lib/router";
import { SessionContext, capabilitySet, type Session } from "./lib/session";
import { PAGES, type PageDef } from "./pages";
import { SignIn } from "./pages/SignIn";

export function App() {
  const [key, setKey] = useState<string | null>(readStoredKey);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((reason?: string) => {
    clearStoredKey();
    setKey(null);
    setNotice(reason ?? null);
  }, []);
  const api = useMemo(() => (key ? createApiClient(key, signOut) : null), [key, signOut]);
  useEffect(() => () => api?.dispose(), [api]);

  if (!api) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(k) => {
          storeKey(k);
          setNotice(null);
          setKey(k);
        }}
      />
    );
  }
  return (
    <Provider value={api.urql}>
      <Shell signOut={signOut} />
    </Provider>
  );
}

function Shell({ signOut }: { signOut: (reason?: string) => void }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: SessionDocument, requestPolicy: "network-only" });
  const [caps] = useQuery({ query: CapabilitiesDocument, requestPolicy: "network-only" });
  useEffect(() => {
    if (isAuthError(error)) signOut("Your key was not accepted (revoked or mistyped). Sign in again.");
  }, [error, signOut]);
  const session = useMemo<Session | null>(() => {
    if (!data || (!caps.data && !caps.error)) return null;
    // A gateway with introspection turned off cannot say what it serves: assume everything, and let a
    // missing API show its own error on the page that needs it.
    const fields = caps.data ? capabilitySet(caps.data) : null;
    return { me: data.me, isAdmin: data.me.role === "ADMIN", has: (f) => fields?.has(f) ?? true, signOut };
  }, [data, caps.data, caps.error, signOut]);

  if (!session) {
    if (error && !isAuthError(error)) {
      return (
        <main className="centered">
          <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
        </main>
      );
    }
    return <main className="centered">{fetching || caps.fetching ? <Loading label="Signing in…" /> : null}</main>;
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout session={session} />
    </SessionContext.Provider>
  );
}

function visible(p: PageDef, s: Session): boolean {
  return (!p.adminOnly || s.isAdmin) && p.needs.every((f) => s.has(f));
}

function Layout({ session }: { session: Session }) {
  const path = usePath();
  const nav = PAGES.filter((p) => visible(p, session));
  const page = PAGES.find((p) => p.path === path);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // The overview needs usage analytics; until the gateway has them, land on the first page that works.
    if (path === "/" && page && !visible(page, session) && nav[0]) navigate(nav[0].path, true);
  }, [path, page, session, nav]);
  useEffect(() => {
    document.title = `${page?.title ?? "Not found"} · Switchboard`;
    // Move focus to the new page for keyboard and screen-reader users (not on first load).
    if (!first.current) mainRef.current?.focus();
    first.current = false;
  }, [page]);

  let content;
  if (!page) content = <NotFound />;
  else if (page.adminOnly && !session.isAdmin) content = <div className="callout info" role="status">The {page.title} page is for admins. Sign in with an ADMIN key to use it.</div>;
  else if (!page.needs.every((f) => session.has(f))) content = <><h1>{page.title}</h1><ApiMissing fields={page.needs.filter((f) => !session.has(f))} /></>;
  else {
    const C = page.component;
    content = <C />;
  }

  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={22} height={22} /> Switchboard
        </div>
        <nav aria-label="Pages">
          <ul>
            {nav.map((p) => (
              <li key={p.path}>
                <Link to={p.path} aria-current={p.path === path ? "page" : undefined}>
                  {p.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="whoami">
          <div>
            <span className="muted">Signed in as</span> <strong data-testid="whoami-user">{session.me.userId}</strong>
          </div>
          <div>
            <span className={`badge ${session.isAdmin ? "info" : "neutral"}`} data-testid="whoami-role">
              {session.me.role}
            </span>
            {session.me.teamId ? <span className="muted"> team {session.me.teamId}</span> : null}
          </div>
          <button type="button" className="secondary small" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Suspense fallback={<Loading />}>{content}</Suspense>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <div>
      <h1>Page not found</h1>
      <p>
        There is no dashboard page at this address. <Link to="/">Go to the start page</Link>.
      </p>
    </div>
  );
}
