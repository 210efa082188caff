#!/usr/bin/env bash
# Tollgate as an outside user gets it: `npm pack`, then a fresh project that installs the
# tarball from disk (and the frameworks from the registry), type-checks against it strictly
# (skipLibCheck off), scaffolds with `tollgate init`, checks and tests the policies, runs
# `tollgate dev`, and runs the README's Node quick start and every adapter example against it.
# Run from the repository after `npm run build` (npm run test:package).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
port="${PORT:-18640}"
dev_pid=""
cleanup() {
  [ -n "$dev_pid" ] && kill -- "-$dev_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "npm pack"
tarball="$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -1)"
echo "$tarball ($(du -h "$work/$tarball" | cut -f1))"

step "a fresh project installs it"
project="$work/project"
mkdir -p "$project/examples"
cd "$project"
cat > package.json <<'JSON'
{ "name": "outside-user", "private": true, "type": "module" }
JSON
# The versions this repository tests with (its lockfile), so the run is reproducible.
version() { node -p "require('$repo/node_modules/$1/package.json').version"; }
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" \
  "ai@$(version ai)" "@langchain/core@$(version @langchain/core)" "@openai/agents@$(version @openai/agents)" \
  "zod@$(version zod)" "@modelcontextprotocol/sdk@$(version @modelcontextprotocol/sdk)" \
  "wrangler@$(version wrangler)" "typescript@$(version typescript)" "@types/node@$(version @types/node)" \
  "@types/json-schema@$(version @types/json-schema)" "node@$(version node)"
step "tollgate/embed on the machine's own Node ($(node --version)): embedders need only Node 20.19+"
node --input-type=module -e "
  import { compilePolicies, createEngine } from 'tollgate/embed';
  const bundle = compilePolicies({ 'p.yaml': 'rules:\\n  - id: read\\n    effect: allow\\n    actions: [db.query]\\n' });
  const engine = await createEngine({ bundle });
  const d = engine.decide({ agent: { id: 'a1' }, action: 'db.query', resource: 'db:prod/users' });
  console.log(d.decision, d.reasons[0].message);
  if (d.decision !== 'allow') process.exit(1);"
export PATH="$project/node_modules/.bin:$PATH" # wrangler needs Node 22: the one installed here
echo "node $(node --version)"

step "type-check, strict, skipLibCheck off"
cp "$repo"/examples/*.ts examples/
cat > exports.ts <<'TS'
// Every entry point the package exports, as a user imports them.
import { compilePolicies, createEngine } from 'tollgate/embed';
import { TollgateClient, guard, ToolDeniedError } from 'tollgate/client';
import { governTools } from 'tollgate/ai';
import { governTool } from 'tollgate/langchain';
import { governedTool } from 'tollgate/openai-agents';
import { gatewayTransport } from 'tollgate/mcp';
import { devToken } from 'tollgate/dev';
export const entryPoints = [compilePolicies, createEngine, TollgateClient, guard, ToolDeniedError, governTools, governTool, governedTool, gatewayTransport, devToken];
TS
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2023", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2024", "DOM"],
    "types": ["node"], "strict": true, "skipLibCheck": false, "noEmit": true, "allowImportingTsExtensions": true
  },
  "include": ["exports.ts", "examples"]
}
JSON
tsc -p tsconfig.json
echo "ok"
node -e "import('tollgate/embed').then(m => console.log('tollgate/embed loads:', Object.keys(m).length, 'exports'))"
node --input-type=module -e "console.log('tollgate/policy.wasm:', import.meta.resolve('tollgate/policy.wasm'))"

step "tollgate --version, init, check, test"
npx tollgate --version
npx tollgate init
npx tollgate check
npx tollgate test
# The user adds an MCP upstream: the demo one (its server ships in the package; it needs the MCP server SDK).
npm install --no-audit --no-fund --loglevel=error "@modelcontextprotocol/server@$(version @modelcontextprotocol/server)"
cp "$repo/policies/mcp.yaml" policies/
npx tollgate check

step "tollgate dev"
setsid npx tollgate dev --port "$port" > "$work/dev.log" 2>&1 &
dev_pid=$!
for _ in $(seq 1 180); do
  grep -q "More tokens:" "$work/dev.log" && break
  if ! kill -0 "$dev_pid" 2>/dev/null; then cat "$work/dev.log"; exit 1; fi
  sleep 1
done
grep -q "More tokens:" "$work/dev.log" || { cat "$work/dev.log"; echo "tollgate dev did not come up"; exit 1; }
grep "Tollgate is running" "$work/dev.log"
export TOLLGATE_URL="http://127.0.0.1:$port"

step "the README's Node quick start, as printed, against it"
node -e "
  const r = require('fs').readFileSync('$repo/README.md', 'utf8');
  const open = r.indexOf('\`\`\`js\n', r.indexOf('(\`quickstart.mjs\`'));
  process.stdout.write(r.slice(open + 6, r.indexOf('\n\`\`\`', open)));" > quickstart.mjs
node quickstart.mjs | tee "$work/quickstart.out"
grep -q "^allow Assistants may call models" "$work/quickstart.out"

step "every adapter example, against it"
node examples/mcp-client.ts > "$work/mcp-client.json"
node -e "
  const r = JSON.parse(require('fs').readFileSync('$work/mcp-client.json', 'utf8'));
  console.log('-- mcp-client: ran', r.ran.join(', '), '| refused', r.refused.join(', '));
  process.exit(r.ran.join() === 'echo,get_config' && r.refused.join() === 'delete_records' ? 0 : 1);"
for example in ai-sdk langchain openai-agents; do
  echo "-- $example"
  node "examples/$example.ts" > "$work/$example.json"
  node -e "
    const r = JSON.parse(require('fs').readFileSync('$work/$example.json', 'utf8'));
    const ok = JSON.stringify(r.ran) === JSON.stringify(['get_issue', 'send_payment']) && r.refused.length === 1 && r.approved.length === 1;
    console.log('ran', r.ran.join(', '), '| refused', r.refused.length, '| approved', r.approved.length);
    process.exit(ok ? 0 : 1);"
done
echo
echo "package test passed"
