import { useEffect, useState } from 'react';
import type { Api } from '../api';
import type { MetadataField } from '../dataset-data';

/**
 * Explore's filters on model predictions, as fields of the server's sample query (src/platform/service/prediction-fields.ts):
 * for every prediction task its predicted class (categorical: facet counts, only/none) and that prediction's
 * confidence (a 0–1 range with a histogram). Their `path` is the whole field id (`prediction:<task>`,
 * `confidence:<task>`), which the sample query sends as it is (metadata paths get `metadata:`).
 *
 * → `[{ name: 'Predicted class (imagenet)', path: 'prediction:imagenet', valueDataType: 'CATEGORICAL_STRING' },
 *     { name: 'Confidence (imagenet)', path: 'confidence:imagenet', valueDataType: 'NUMERIC_FLOAT' }]`
 */
export function usePredictionFields(api: Api, datasetId: string): MetadataField[] {
  const [fields, setFields] = useState<MetadataField[]>([]);
  useEffect(() => {
    let live = true;
    api.getPredictionTasks(datasetId).then(
      (tasks) =>
        live &&
        setFields(
          tasks.flatMap((t) => [
            { name: `Predicted class (${t.name})`, path: `prediction:${t.name}`, valueDataType: 'CATEGORICAL_STRING' as const },
            { name: `Confidence (${t.name})`, path: `confidence:${t.name}`, valueDataType: 'NUMERIC_FLOAT' as const },
          ]),
        ),
      // Without predictions (or on an older server) Explore simply has no prediction filters.
      () => live && setFields([]),
    );
    return () => {
      live = false;
    };
  }, [api, datasetId]);
  return fields;
}

