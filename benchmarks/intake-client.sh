# Sourced by the intake benchmarks: signs in as the demo's community operator at $1 (a base URL), sets
# TOKEN and CATEGORY (环境卫生 HJ01), and writes the wrk script for one intake POST to $2.
intake_client() {
  local base="$1" lua="$2"
  TOKEN=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"sq01-zx","password":"demo1234"}' "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  CATEGORY=$(curl -fs -H "Authorization: Bearer $TOKEN" "$base/api/v1/categories" | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin) if c["code"] == "HJ01"))')
  cat > "$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
-- a point inside 新桥社区第1网格: the intake locates the grid itself
wrk.body = '{"categoryID":"$CATEGORY","title":"压测：小区垃圾未清运","description":"新桥路 3 号","channel":"wechatGroup","latitude":27.9242,"longitude":113.0599}'
LUA
}
