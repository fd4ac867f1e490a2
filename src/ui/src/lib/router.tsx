import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

/** The gateway serves the dashboard under /ui and answers every client route with index.html. */
export const BASE = "/ui";

function currentPath(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return p === "" || p === "/" ? "/" : p.replace(/\/+$/, "");
}

const listeners = new Set<() => void>();
addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string, replace = false): void {
  const url = BASE + (to === "/" ? "/" : to);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const l = () => setPath(currentPath());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return path;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** A real <a href> (so middle-click and "copy link" work) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const onNav = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={onNav} {...rest} />;
}
