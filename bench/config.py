"""The account every bench target and push shares (throwaway values, not secrets)."""

TOKEN = "bench_token"
APP_ID = "wx_bench_app_id"
ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_bench"
