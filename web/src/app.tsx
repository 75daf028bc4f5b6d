import { useMemo, useState } from 'react';
import { Api, loadToken, saveToken } from './api';
import { useDataset } from './dataset-data';
import { navigate, useHashRoute } from './router';
import { ConfiguratorScreen } from './screens/configurator-screen';
import { DatasetsScreen } from './screens/datasets-screen';
import { EmbeddingMapScreen } from './screens/embedding-map-screen';
import { ExploreScreen } from './screens/explore-screen';
import { LoginScreen } from './screens/login-screen';
import { SamplingScreen } from './screens/sampling-screen';
import { TagsScreen } from './screens/tags-screen';
import { TokensScreen } from './screens/tokens-screen';

const DATASET_SCREENS = [
  ['explore', 'Explore'],
  ['configurator', 'Configurator'],
  ['map', 'Embedding map'],
  ['sampling', 'Sampling'],
  ['tags', 'Tags'],
] as const;

export function App() {
  const [token, setToken] = useState<string | null>(() => loadToken());
  const api = useMemo(() => (token === null ? null : new Api(token)), [token]);
  const route = useHashRoute();

  if (api === null) {
    return (
      <LoginScreen
        onLogin={(t) => {
          saveToken(t);
          setToken(t);
        }}
      />
    );
  }
  const logout = () => {
    saveToken(null);
    setToken(null);
  };
  const [top, datasetId, screen] = route;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/datasets">
          Winnow
        </a>
        <nav aria-label="Main">
          <a href="#/datasets" aria-current={top === 'datasets' || top === undefined ? 'page' : undefined}>
            Datasets
          </a>
          <a href="#/tokens" aria-current={top === 'tokens' ? 'page' : undefined}>
            API tokens
          </a>
        </nav>
        <button type="button" className="link" onClick={logout}>
          Log out
        </button>
      </header>
      {top === 'tokens' ? (
        <TokensScreen api={api} />
      ) : top === 'datasets' && datasetId !== undefined ? (
        <DatasetArea api={api} datasetId={datasetId} screen={screen ?? 'explore'} />
      ) : (
        <DatasetsScreen api={api} onOpen={(id) => navigate(`/datasets/${encodeURIComponent(id)}/explore`)} />
      )}
    </div>
  );
}

function DatasetArea({ api, datasetId, screen }: { api: Api; datasetId: string; screen: string }) {
  const data = useDataset(api, datasetId);
  const base = `#/datasets/${encodeURIComponent(datasetId)}`;
  return (
    <div className="dataset-area">
      <nav className="tabs" aria-label="Dataset">
        <span className="dataset-name">{data.dataset?.name ?? '…'}</span>
        {DATASET_SCREENS.map(([key, label]) => (
          <a key={key} href={`${base}/${key}`} aria-current={screen === key ? 'page' : undefined}>
            {label}
          </a>
        ))}
        <span className="load-state" role="status">
          {data.error !== null
            ? `Error: ${data.error}`
            : data.loadedAll
              ? `${data.samples.length.toLocaleString()} samples`
              : `Loading samples… ${data.samples.length.toLocaleString()}`}
        </span>
      </nav>
      <main>
        {screen === 'configurator' ? (
          <ConfiguratorScreen api={api} datasetId={datasetId} data={data} />
        ) : screen === 'map' ? (
          <EmbeddingMapScreen api={api} datasetId={datasetId} data={data} />
        ) : screen === 'sampling' ? (
          <SamplingScreen api={api} datasetId={datasetId} data={data} />
        ) : screen === 'tags' ? (
          <TagsScreen api={api} datasetId={datasetId} data={data} />
        ) : (
          <ExploreScreen api={api} datasetId={datasetId} data={data} />
        )}
      </main>
    </div>
  );
}
