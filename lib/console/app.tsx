import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, storedToken, storeToken, type Api } from './model/api';
import { parseRoute, routeHash, type Route } from './model/route';
import { AccessScreen } from './screens/access-screen';
import { CostScreen } from './screens/cost-screen';
import { GroupScreen } from './screens/group-screen';
import { GroupsScreen } from './screens/groups-screen';
import { MessagesScreen } from './screens/messages-screen';
import { SubscriptionsScreen } from './screens/subscriptions-screen';
import { TopicScreen } from './screens/topic-screen';
import { TopicsScreen } from './screens/topics-screen';

const NAV: { label: string; route: Route; matches: Route['screen'][] }[] = [
  { label: 'Topics', route: { screen: 'topics' }, matches: ['topics', 'topic', 'messages'] },
  { label: 'Consumer groups', route: { screen: 'groups' }, matches: ['groups', 'group'] },
  { label: 'Push subscriptions', route: { screen: 'subscriptions' }, matches: ['subscriptions'] },
  { label: 'Access', route: { screen: 'access' }, matches: ['access'] },
  { label: 'Cost', route: { screen: 'cost' }, matches: ['cost'] },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Screen({ route, api }: { route: Route; api: Api }) {
  switch (route.screen) {
    case 'topics':
      return <TopicsScreen api={api} />;
    case 'topic':
      return <TopicScreen api={api} topic={route.topic} />;
    case 'messages':
      return <MessagesScreen api={api} topic={route.topic} />;
    case 'groups':
      return <GroupsScreen api={api} />;
    case 'group':
      return <GroupScreen api={api} group={route.group} />;
    case 'subscriptions':
      return <SubscriptionsScreen api={api} />;
    case 'access':
      return <AccessScreen api={api} />;
    case 'cost':
      return <CostScreen api={api} />;
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            The console has no screen at <code>{route.path}</code>. <a href={routeHash({ screen: 'topics' })}>Go to topics</a>.
          </p>
        </section>
      );
  }
}

/** Where a bearer token is entered, for platforms with authentication on. */
function TokenField({ token, onChange }: { token: string | undefined; onChange: (token: string | undefined) => void }) {
  const [draft, setDraft] = useState(token ?? '');
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft.trim() || undefined);
      }}
    >
      <label>
        Token
        <input type="password" autoComplete="off" placeholder="bearer token, if auth is on" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">{token ? 'Change' : 'Use'}</button>
    </form>
  );
}

export function App() {
  const route = useRoute();
  const [token, setToken] = useState(storedToken);
  const api = useMemo(() => createApi(location.origin, token), [token]);
  useEffect(() => {
    document.title = `${NAV.find((n) => n.matches.includes(route.screen))?.label ?? 'Not found'} · Sluice console`;
  }, [route]);
  return (
    <>
      <header class="top">
        <a class="brand" href="#/topics">
          Sluice
        </a>
        <nav aria-label="Screens">
          {NAV.map((item) => (
            <a key={item.label} href={routeHash(item.route)} aria-current={item.matches.includes(route.screen) ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <TokenField
          token={token}
          onChange={(next) => {
            storeToken(next);
            setToken(next);
          }}
        />
      </header>
      <main>
        <Screen key={routeHash(route)} route={route} api={api} />
      </main>
    </>
  );
}
