import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { predictionTopMigration } from './migration-prediction-top';
import { predictionsMigration } from './migration-predictions';
import { sharingMigration } from './migration-sharing';
import { sampleValuesMigration } from './migration-sample-values';
import { sampleValueCountsMigration } from './migration-sample-value-counts';
import { nameTrigramsMigration } from './migration-name-trigrams';
import { sampleValueVersionsMigration } from './migration-sample-value-versions';

/**
 * One list of migrations for SQLite and PostgreSQL alike: written with Kysely's schema builder and portable column
 * types (text, integer, bigint, double precision); raw SQL only where both read it alike (a backfill's insert-select)
 * or for a PostgreSQL-only index that skips SQLite (0010).
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('img_type', 'text', (c) => c.notNull())
        .addColumn('n_samples', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('datasets_user_name_unique', ['user_id', 'name'])
        .execute();

      await db.schema
        .createTable('samples')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('thumb_name', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('exif', 'text')
        .addColumn('meta_data', 'text')
        .addColumn('custom_meta_data', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('samples_dataset_file_unique', ['dataset_id', 'file_name'])
        .addUniqueConstraint('samples_dataset_idx_unique', ['dataset_id', 'idx'])
        .execute();

      await db.schema
        .createTable('embeddings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('file_path', 'text')
        .addColumn('dim', 'integer')
        .addColumn('row_count', 'integer')
        .addColumn('is_processed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('embeddings_dataset_name_unique', ['dataset_id', 'name'])
        .execute();

      await db.schema
        .createTable('embedding_points')
        .addColumn('embedding_id', 'text', (c) => c.notNull().references('embeddings.id').onDelete('cascade'))
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('sample_idx', 'integer', (c) => c.notNull())
        .addColumn('x', 'double precision', (c) => c.notNull())
        .addColumn('y', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('embedding_points_pk', ['embedding_id', 'method', 'sample_idx'])
        .execute();

      await db.schema
        .createTable('tags')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prev_tag_id', 'text')
        .addColumn('query_tag_id', 'text')
        .addColumn('preselected_tag_id', 'text')
        .addColumn('bit_mask_data', 'text', (c) => c.notNull())
        .addColumn('tot_size', 'integer', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('changes', 'text')
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('tags_dataset_name_unique', ['dataset_id', 'name'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('embedding_id', 'text')
        .addColumn('new_tag_name', 'text')
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('result_tag_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();

      await db.schema
        .createTable('selection_scores')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('sample_idx', 'integer', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addPrimaryKeyConstraint('selection_scores_pk', ['job_id', 'rank'])
        .execute();

      await db.schema
        .createTable('datasources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('datasources_dataset_purpose_unique', ['dataset_id', 'purpose'])
        .execute();

      await db.schema
        .createTable('metadata_configurations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('configs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createIndex('jobs_status_index').on('jobs').column('status').execute();
      await db.schema.createIndex('api_tokens_user_index').on('api_tokens').column('user_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'metadata_configurations',
        'datasources',
        'selection_scores',
        'jobs',
        'tags',
        'embedding_points',
        'embeddings',
        'samples',
        'datasets',
        'api_tokens',
        'users',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '0002_web_sessions': {
    // The web app signs in once with an API token and then holds only an opaque session id in an HttpOnly cookie.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('web_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_id', 'text', (c) => c.notNull().references('api_tokens.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('web_sessions').ifExists().execute();
    },
  },
  '0004_predictions_scores': predictionsMigration,
  '0005_lightly_sharing': sharingMigration,
  '0007_prediction_top': predictionTopMigration,
  '0008_sample_values': sampleValuesMigration,
  '0009_sample_value_counts': sampleValueCountsMigration,
  '0010_name_trigrams': nameTrigramsMigration,
  '0011_sample_value_versions': sampleValueVersionsMigration,
};

/** Kysely's Migrator reads migrations from this provider instead of a folder, so the built package needs no globbing. */
export const platformMigrations: MigrationProvider = {
  getMigrations: async () => migrations,
};
