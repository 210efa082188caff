// Every edge test file starts with the audit index's schema in place, as `npm start` does.
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.AUDIT_DB, env.TEST_MIGRATIONS);
