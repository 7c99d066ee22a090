/**
 * The console's screens, addressed by the URL's hash (`#/topics/orders/messages`), so every
 * screen has a link, the back button works, and the static host needs no rewrite rules.
 */
export type Route =
  | { screen: 'topics' }
  | { screen: 'topic'; topic: string }
  | { screen: 'messages'; topic: string }
  | { screen: 'groups' }
  | { screen: 'group'; group: string }
  | { screen: 'subscriptions' }
  | { screen: 'access' }
  | { screen: 'cost' }
  | { screen: 'not-found'; path: string };

/** The route a hash names; an empty hash is the topic list. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/topics';
  const parts = path.split('/').slice(1).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const [first, second, third] = parts;
  if (first === 'topics' && parts.length === 1) return { screen: 'topics' };
  if (first === 'topics' && second && parts.length === 2) return { screen: 'topic', topic: second };
  if (first === 'topics' && second && third === 'messages' && parts.length === 3) return { screen: 'messages', topic: second };
  if (first === 'groups' && parts.length === 1) return { screen: 'groups' };
  if (first === 'groups' && second && parts.length === 2) return { screen: 'group', group: second };
  if (first === 'subscriptions' && parts.length === 1) return { screen: 'subscriptions' };
  if (first === 'access' && parts.length === 1) return { screen: 'access' };
  if (first === 'cost' && parts.length === 1) return { screen: 'cost' };
  return { screen: 'not-found', path };
}

/** The hash that opens `route`. */
export function routeHash(route: Route): string {
  switch (route.screen) {
    case 'topic':
      return `#/topics/${encodeURIComponent(route.topic)}`;
    case 'messages':
      return `#/topics/${encodeURIComponent(route.topic)}/messages`;
    case 'group':
      return `#/groups/${encodeURIComponent(route.group)}`;
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.screen}`;
  }
}
