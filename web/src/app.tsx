import { lazy, Suspense, useEffect, useMemo, useState, type ComponentType } from 'react';
import { Api } from './api';
import { useDataset } from './dataset-data';
import { href, navigate, useRoute, type Route } from './router';
import { ExploreScreen, type DatasetScreenProps } from './screens/explore-screen';
import { useSelection } from './selection';
import { ThemeToggle } from './theme';
import { viewParams } from './view-state';
import logo from './favicon.svg';

// Screens loaded on first use: the first bundle holds only Explore (the page a link or the datasets list opens), so
// it downloads and parses in a fraction of the time; each other screen is its own chunk.
const OverviewScreen = lazy(() => import('./screens/overview-screen').then((m) => ({ default: m.OverviewScreen })));
const ConfiguratorScreen = lazy(() => import('./screens/configurator-screen').then((m) => ({ default: m.ConfiguratorScreen })));
const EmbeddingMapScreen = lazy(() => import('./screens/embedding-map-screen').then((m) => ({ default: m.EmbeddingMapScreen })));
const SamplingScreen = lazy(() => import('./screens/sampling-screen').then((m) => ({ default: m.SamplingScreen })));
const TagsScreen = lazy(() => import('./screens/tags-screen').then((m) => ({ default: m.TagsScreen })));
const HealthScreen = lazy(() => import('./screens/health-screen').then((m) => ({ default: m.HealthScreen })));
const DatasetsScreen = lazy(() => import('./screens/datasets-screen').then((m) => ({ default: m.DatasetsScreen })));
const TokensScreen = lazy(() => import('./screens/tokens-screen').then((m) => ({ default: m.TokensScreen })));
const LoginScreen = lazy(() => import('./screens/login-screen').then((m) => ({ default: m.LoginScreen })));
const LOADING = <p className="hint loading">Loading…</p>;

/**
 * The tabs of a dataset, in order: `#/datasets/<id>/<key>` shows `screen`. A new page is one entry here (a screen
 * component taking DatasetScreenProps): it gets the dataset, the route (its own query parameters for its view state)
 * and the shared selection.
 */
export const DATASET_SCREENS: { key: string; label: string; screen: ComponentType<DatasetScreenProps> }[] = [
  { key: 'overview', label: 'Overview', screen: OverviewScreen },
  { key: 'explore', label: 'Explore', screen: ExploreScreen },
  { key: 'configurator', label: 'Configurator', screen: ConfiguratorScreen },
  { key: 'map', label: 'Embedding map', screen: EmbeddingMapScreen },
  { key: 'sampling', label: 'Sampling', screen: SamplingScreen },
  { key: 'tags', label: 'Tags', screen: TagsScreen },
  { key: 'health', label: 'Health', screen: HealthScreen },
];

type SessionState = 'checking' | 'signed-out' | 'signed-in';

export function App() {
  const [session, setSession] = useState<SessionState>('checking');
  // One client for the page's life; a 401 anywhere (session ended elsewhere, token revoked) shows the sign-in form.
  const api = useMemo(() => new Api(() => setSession('signed-out')), []);
  const route = useRoute();

  useEffect(() => {
    api
      .getSession()
      .then(() => setSession('signed-in'))
      .catch(() => setSession('signed-out'));
  }, [api]);

  if (session === 'checking') return LOADING;
  if (session === 'signed-out') {
    return (
      <Suspense fallback={LOADING}>
        <LoginScreen api={api} onLogin={() => setSession('signed-in')} />
      </Suspense>
    );
  }
  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    setSession('signed-out');
  };
  const [top, datasetId, screen] = route.path;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/datasets">
          <img src={logo} alt="" width={20} height={20} /> Winnow
        </a>
        <nav aria-label="Main">
          <a href="#/datasets" aria-current={top === 'datasets' || top === undefined ? 'page' : undefined}>
            Datasets
          </a>
          <a href="#/tokens" aria-current={top === 'tokens' ? 'page' : undefined}>
            API tokens
          </a>
        </nav>
        <ThemeToggle />
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <Suspense fallback={LOADING}>
        {top === 'tokens' ? (
          <TokensScreen api={api} />
        ) : top === 'datasets' && datasetId !== undefined ? (
          <DatasetArea key={datasetId} api={api} datasetId={datasetId} screen={screen ?? 'explore'} route={route} />
        ) : (
          <DatasetsScreen api={api} onOpen={(id) => navigate(`/datasets/${encodeURIComponent(id)}/explore`)} />
        )}
      </Suspense>
    </div>
  );
}

/** A dataset's tabs. Keyed by dataset id, so another dataset starts with its own data and an empty selection. */
function DatasetArea({ api, datasetId, screen, route }: { api: Api; datasetId: string; screen: string; route: Route }) {
  const data = useDataset(api, datasetId);
  const selection = useSelection();
  const kept = viewParams(route.params);
  const current = DATASET_SCREENS.find((s) => s.key === screen) ?? DATASET_SCREENS[1];
  const Screen = current.screen;
  return (
    <div className="dataset-area">
      <nav className="tabs" aria-label="Dataset">
        {/* Never a stale name: nothing until this dataset has answered. */}
        <span className="dataset-name">{data.dataset?.id === datasetId ? data.dataset.name : data.error !== null ? 'Dataset' : '…'}</span>
        {DATASET_SCREENS.map(({ key, label }) => (
          <a key={key} href={href(['datasets', datasetId, key], kept)} aria-current={current.key === key ? 'page' : undefined}>
            {label}
          </a>
        ))}
        <span className="load-state" role="status">
          {data.error !== null
            ? `Error: ${data.error}`
            : data.dataset === null
              ? 'Loading…'
              : data.allRequested && !data.loadedAll
                ? `Loading samples… ${data.samples.length.toLocaleString()}`
                : `${data.sampleCount.toLocaleString()} samples`}
        </span>
      </nav>
      <main>
        {data.error !== null && data.dataset === null ? (
          <div className="empty-state">
            <p>This dataset could not be opened: {data.error}</p>
            <a href="#/datasets">Back to the datasets</a>
          </div>
        ) : (
          <Suspense fallback={LOADING}>
            <Screen api={api} datasetId={datasetId} data={data} route={route} selection={selection} />
          </Suspense>
        )}
      </main>
    </div>
  );
}
