# Sourced by the A/B scripts here: `revision_worktree <revision>` builds that revision (dist and
# native addon) in a temporary worktree, $dir, removed when the script exits, and builds dist in
# this checkout ($here) too.
revision_worktree() {
  here=$PWD
  dir=$(mktemp -d)
  trap 'git worktree remove --force "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  git worktree add -f --detach "$dir" "$1" >/dev/null
  ln -s "$here/node_modules" "$dir/node_modules"
  (cd "$dir" && npx tsc -p tsconfig.json && node scripts/build-native.mjs >/dev/null)
  npx tsc -p tsconfig.json
}
