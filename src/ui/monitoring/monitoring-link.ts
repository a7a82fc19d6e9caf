/**
 * Whether a monitoring server named by a link (`?monitoring=`) needs the user's confirmation
 * before the viewer connects: every one that is not the configured server does (issue 20 §4).
 * Compared as absolute URLs, ignoring a trailing slash.
 */
export function monitoringLinkNeedsConfirmation(linkUrl: string, configuredUrl: string | undefined, base: string): boolean {
  if (configuredUrl === undefined) return true;
  const normalised = (url: string) => {
    const absolute = new URL(url, base);
    absolute.hash = '';
    return absolute.href.replace(/\/+$/, '');
  };
  return normalised(linkUrl) !== normalised(configuredUrl);
}
