"""Small server-rendered pages: the login form and the API documentation.

/docs renders the app's OpenAPI description itself, without the usual Swagger bundle
that a browser would fetch from a CDN: an office intranet often cannot reach one.
"""
from __future__ import annotations

import html
import json
from typing import Any

STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #111827; }
form.login { max-width: 22em; margin: 4em auto; padding: 1.5em; border: 1px solid #f59e0b; border-radius: 8px; }
form.login input { width: 100%; font-size: 1em; padding: .4em; margin: .4em 0 1em 0; box-sizing: border-box; }
form.login button { font-size: 1em; padding: .4em 1.2em; background: #f59e0b; border: 0; border-radius: 4px; }
.err { color: #b91c1c; } .note { font-size: .9em; opacity: .8; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; background: #f3f4f6; padding: 0 .2em; }
pre { padding: .5em; overflow: auto; }
.ep { border-top: 1px solid #e5e7eb; padding: .6em 0; }
.m { display: inline-block; min-width: 4em; font-weight: 700; }
table { border-collapse: collapse; } td, th { border: 1px solid #e5e7eb; padding: .2em .5em; text-align: left; }
"""


def login_page(next_url: str = "", error: str = "", read_only: bool = False, login_required: bool = False) -> str:
    note = "输入管理员密码可上传、替换、删除文件和更新索引。" if not login_required else \
        "本站需要登录：输入同事共用的密码；管理员输入管理员密码。"
    if read_only and not login_required:
        note = "本实例只读：未配置管理员密码，无需登录。"
    err = f'<p class="err">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 — 预算公开问答</title><style>{STYLE}</style></head><body>
<form class="login" method="post" action="login"><h2>预算公开问答 · 登录</h2>
<p class="note">{html.escape(note)}</p>{err}
<label>密码<input type="password" name="password" autofocus autocomplete="current-password"></label>
<input type="hidden" name="next" value="{html.escape(next_url, quote=True)}">
<button type="submit">登录</button>　<a href="./">返回</a></form></body></html>"""


def safe_next(url: str) -> str:
    """Only a path inside this app may follow a login (no open redirect to another site)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "./"
    return "." + url if not url.startswith("/login") else "./"


def docs_page(spec: dict[str, Any]) -> str:
    """The OpenAPI description as one readable page."""
    info = spec.get("info", {})
    parts = [f"<h1>{html.escape(info.get('title', 'API'))}</h1>",
             f"<p>{html.escape(info.get('description', ''))}</p>",
             '<p class="note">机器可读的描述：<a href="openapi.json">openapi.json</a>。'
             '错误一律为 <code>{"error": "…"}</code>。</p>']
    schemas = spec.get("components", {}).get("schemas", {})
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            parts.append('<div class="ep">')
            parts.append(f'<div><span class="m">{method.upper()}</span><code>{html.escape(path)}</code> — '
                         f'{html.escape(op.get("summary", ""))}</div>')
            if op.get("description"):
                parts.append(f"<p>{html.escape(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                rows = "".join(
                    f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p.get('in', ''))}</td>"
                    f"<td>{html.escape(_type(p.get('schema', {})))}</td>"
                    f"<td>{'必填' if p.get('required') else html.escape(str(p.get('schema', {}).get('default', '')))}</td>"
                    f"<td>{html.escape(p.get('description', ''))}</td></tr>" for p in params)
                parts.append(f"<table><tr><th>参数</th><th>位置</th><th>类型</th><th>默认</th><th>说明</th></tr>{rows}</table>")
            body = op.get("requestBody", {}).get("content", {})
            for mime, content in body.items():
                schema = _resolve(content.get("schema", {}), schemas)
                parts.append(f"<div>请求体 <code>{html.escape(mime)}</code>：<pre>{html.escape(json.dumps(schema, ensure_ascii=False, indent=1))}</pre></div>")
            example = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("example")
            if example:
                parts.append(f"<div>返回示例：<pre>{html.escape(json.dumps(example, ensure_ascii=False, indent=1))}</pre></div>")
            parts.append("</div>")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>API — 预算公开问答</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    return schema.get("type", "")


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return schemas.get(ref.rsplit("/", 1)[1], schema)
    return schema
