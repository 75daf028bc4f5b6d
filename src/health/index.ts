/**
 * Dataset health: per-image measures taken in the embed pass, then exact and near duplicates, outliers and quality
 * issues. Faces (CLI, REST, n8n, Temporal) call `healthCheckFolder` or the platform's health job.
 */
export { measureImage, toLightlyMetaData, fromLightlyMetaData, hammingDistance, type ImageMeasures } from './measures';
export { MeasuresWriter, measuresPathFor, readMeasuresBeside, readMeasuresFile } from './measures-file';
export { analyseHealth, healthTags, HEALTH_TAGS, type HealthInput, type HealthReport } from './analyse';
export { parseHealthOptions, DEFAULT_NEAR_DUPLICATE_THRESHOLD, type HealthOptions } from './health-options';
export { ISSUE_RULES, ISSUE_TYPES, findIssues, type IssueType, type IssueList } from './issues';
export { KEEPER_RULES, type KeeperRule, type DuplicateGroup } from './duplicates';
export { allNeighbours, type NeighbourLists } from './neighbours';
export { formatHealthReport } from './report-table';
export { healthCheckFolder, type HealthFolderOptions, type HealthFolderResult } from './health-folder';
export { publishHealth, type PublishResult } from './publish';
export { writeRemainingEmbeddings } from './remaining';
export { HealthIndex, type BatchCheckResult, type BatchFinding } from './incremental';
