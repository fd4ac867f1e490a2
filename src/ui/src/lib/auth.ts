/** The API key lives in session storage only: it survives reloads of this tab and dies with it. */
const STORAGE_KEY = "switchboard.apiKey";

export function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (privacy mode): the user signs in again per page load
  }
}

export function storeKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    /* the key still works for this page's lifetime */
  }
}

export function clearStoredKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* nothing stored */
  }
}
