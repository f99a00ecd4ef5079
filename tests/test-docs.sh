#!/bin/bash
# Unit (docs): README.md fits on a screen or two (at most 200 lines), and the documentation's
# links lead somewhere: every relative link in README.md, HACKING.md, SECURITY.md, docs/*.md,
# bench/README.md and tests/README.md names a file or directory of the source tree, and a
# #fragment on a Markdown page names one of its headings (GitHub's anchors). Links in code
# blocks and links with a scheme (https:, mailto:) are not checked. Every row of docs/peers.md's
# feature table names a test that exists.
set -u
. "${BASH_SOURCE[0]%/*}/tap.sh"

src=$(cd "${G_TEST_SRCDIR:?}/.." && pwd)
max_lines=200

lines=$(wc -l <"$src/README.md" 2>/dev/null) || lines=
if [ -z "$lines" ]; then
	not_ok "README.md exists"
elif [ "$lines" -le "$max_lines" ]; then
	ok "README.md has $lines lines (at most $max_lines)"
else
	not_ok "README.md has at most $max_lines lines" "it has $lines"
fi

# anchors FILE: the anchors GitHub gives FILE's headings, one a line (lower case; punctuation
# other than '-' and '_' dropped; spaces become '-'; a repeated heading gets -1, -2, …).
anchors() {
	sed -e '/^```/,/^```/d' "$1" | sed -n 's/^#\{1,6\} \{1,\}//p' |
		sed -e 's/[[:space:]]*$//' | tr '[:upper:]' '[:lower:]' |
		sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g' |
		awk '{ if (seen[$0]++) print $0 "-" (seen[$0] - 1); else print }'
}

# links FILE: the targets of FILE's inline links and reference definitions, outside code
# blocks and code spans, one a line.
links() {
	sed -e '/^```/,/^```/d' -e 's/`[^`]*`//g' "$1" |
		grep -o -e '\](\([^)[:space:]]*\)' -e '^ \{0,3\}\[[^]]*\]: *[^[:space:]]*' |
		sed -e 's/^\](//' -e 's/^ *\[[^]]*\]: *//'
}

pages=(README.md HACKING.md SECURITY.md bench/README.md tests/README.md)
for f in "$src"/docs/*.md; do pages+=("${f#"$src"/}"); done
for page in "${pages[@]}"; do
	[ -f "$src/$page" ] || continue
	dir=$(dirname "$src/$page")
	bad=() count=0
	while IFS= read -r target; do
		[ -n "$target" ] || continue
		case $target in
			*:*) continue ;; # https:, mailto: …
		esac
		count=$((count + 1))
		path=${target%%#*} fragment=
		[[ $target == *"#"* ]] && fragment=${target#*#}
		if [ -z "$path" ]; then
			file="$src/$page"
		else
			file="$dir/$path"
		fi
		if [ ! -e "$file" ]; then
			bad+=("$target: no such file")
		elif [ -n "$fragment" ] && [[ $file == *.md ]] && ! anchors "$file" | grep -qxF -- "$fragment"; then
			bad+=("$target: no heading with that anchor")
		fi
	done < <(links "$src/$page")
	if [ ${#bad[@]} -eq 0 ]; then
		ok "$page: its $count relative links resolve"
	else
		not_ok "$page: every relative link resolves" "${bad[@]}"
	fi
done

# The feature table of docs/peers.md: every row of a peer tool names a test (`FILE` `NAME`), the
# file exists under tests/ and NAME occurs in it (a TAP description or a GLib test path).
peers=$src/docs/peers.md
if [ ! -f "$peers" ]; then
	not_ok "docs/peers.md exists"
else
	bad=() count=0 rows=0
	while IFS= read -r row; do
		rows=$((rows + 1))
		file=$(sed -n 's/.*| *`\(tests\/[^`]*\)` *`\([^`]*\)` *| *$/\1/p' <<<"$row")
		name=$(sed -n 's/.*| *`\(tests\/[^`]*\)` *`\([^`]*\)` *| *$/\2/p' <<<"$row")
		if [ -z "$file" ] || [ -z "$name" ]; then
			bad+=("a row names no test: $row")
		elif [ ! -f "$src/$file" ]; then
			bad+=("$file: no such file")
		elif ! grep -qF -- "$name" "$src/$file"; then
			bad+=("$file: no test '$name'")
		else
			count=$((count + 1))
		fi
	done < <(grep -E '^\| (fast-vm|nbsvm|qvm|kvm-build) \|' "$peers")
	if [ "$rows" -gt 0 ] && [ ${#bad[@]} -eq 0 ]; then
		ok "docs/peers.md: each of its $count rows names a test that exists"
	else
		not_ok "docs/peers.md: each row names a test that exists" "${bad[@]}" "rows: $rows"
	fi
fi

finish
