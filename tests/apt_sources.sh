#!/bin/sh
# apt_sources.sh - the package archives this machine's apt configuration
# names, as deb-src entries for a private apt configuration (tests/deps.sh
# cmocka-src). Reads, never writes.
#
#   tests/apt_sources.sh                       the machine's own configuration
#   tests/apt_sources.sh SOURCELIST SOURCEPARTS  the given file and directory
#
# Reads the one-line format (SOURCELIST and SOURCEPARTS/*.list) and deb822
# (SOURCEPARTS/*.sources) as apt does: the list file first, then the parts in
# name order, comments and "Enabled: no" stanzas skipped. Every deb or deb-src
# entry gives, per URI and suite, one deb822 stanza on standard output:
#
#   Types: deb-src
#   URIs: <the entry's URI>
#   Suites: <the entry's suite>
#   Components: <its components, those of later entries for the same
#               archive added>
#   <its options: Signed-By (a keyring path, a fingerprint or an inline
#    key, kept as written), Trusted, Check-Valid-Until, ...>
#
# Architecture, language and target options are left out (they do not apply
# to sources), and so are cdrom: URIs. An archive (URI and suite) appears
# once, with the options of its first entry: apt requires the same options
# for every entry of one archive, so these are the ones the machine uses.
# Exits 1, printing nothing, when no entry is configured.
set -eu

if [ $# -ge 2 ]; then
    list=$1
    parts=$2
elif [ $# -eq 0 ]; then
    eval "$(apt-config shell list Dir::Etc::SourceList/f parts Dir::Etc::SourceParts/d)"
else
    echo "usage: apt_sources.sh [SOURCELIST SOURCEPARTS]" >&2
    exit 2
fi

# apt's own rule for the parts it reads: the name of letters, digits, _ . -
# and the extension .list or .sources.
set --
[ -f "$list" ] && set -- "$list"
for f in "${parts%/}"/*; do
    case ${f##*/} in
    *[!A-Za-z0-9_.-]*) continue ;;
    *.list | *.sources) [ -f "$f" ] && set -- "$@" "$f" ;;
    esac
done
[ $# -gt 0 ] || { echo "apt_sources.sh: no source lists in $list or $parts" >&2; exit 1; }

awk -v main="$list" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }

# A one-line option name as the deb822 field of the same meaning.
function field(k,    n, p, i, s) {
    if (k == "pdiffs") return "PDiffs"
    if (k == "inrelease-path") return "InRelease-Path"
    n = split(k, p, "-")
    s = ""
    for (i = 1; i <= n; i++)
        s = s (i > 1 ? "-" : "") toupper(substr(p[i], 1, 1)) substr(p[i], 2)
    return s
}

# One archive (URI and suite) with components and its option lines.
function add(uri, suite, comps, opts,    key, n, c, i, u) {
    if (uri ~ /^cdrom:/ || uri == "" || suite == "") return
    u = uri
    sub(/\/+$/, "", u)
    key = u SUBSEP suite
    if (!(key in seen)) {
        seen[key] = 1
        order[++nkeys] = key
        kuri[key] = uri
        ksuite[key] = suite
        kopts[key] = opts
        kcomps[key] = ""
    }
    n = split(comps, c, /[ \t\n]+/)
    for (i = 1; i <= n; i++) {
        if (c[i] == "" || ((key, c[i]) in hascomp)) continue
        hascomp[key, c[i]] = 1
        kcomps[key] = kcomps[key] (kcomps[key] == "" ? "" : " ") c[i]
    }
}

# deb [ options ] uri suite [component...]
function oneline(line,    t, rest, i, o, n, kv, j, k, v, opts, f, nf, comps) {
    sub(/#.*/, "", line)
    line = trim(line)
    if (line == "") return
    t = line
    sub(/[ \t].*/, "", t)
    if (t != "deb" && t != "deb-src") return
    rest = trim(substr(line, length(t) + 1))
    opts = ""
    if (substr(rest, 1, 1) == "[") {
        i = index(rest, "]")
        if (i == 0) { warn("unterminated [ in: " line); return }
        o = substr(rest, 2, i - 2)
        rest = trim(substr(rest, i + 1))
        n = split(trim(o), kv, /[ \t]+/)
        for (j = 1; j <= n; j++) {
            if (kv[j] == "") continue
            k = kv[j]
            v = ""
            if (index(k, "=") > 0) {
                v = substr(k, index(k, "=") + 1)
                k = substr(k, 1, index(k, "=") - 1)
            }
            sub(/[+-]$/, "", k)
            k = tolower(k)
            if (k == "arch" || k == "lang" || k == "target") continue
            opts = opts field(k) ": " v "\n"
        }
    }
    nf = split(rest, f, /[ \t]+/)
    if (nf < 2) { warn("no suite in: " line); return }
    comps = ""
    for (j = 3; j <= nf; j++) comps = comps " " f[j]
    add(f[1], f[2], comps, opts)
}

# The deb822 stanza gathered in name[], val[] (continuation lines kept).
function stanza(    i, lk, types, uris, suites, comps, opts, enabled, nt, t, want, nu, u, ns, s, a, b) {
    if (nfields == 0) return
    types = uris = suites = comps = opts = ""
    enabled = "yes"
    for (i = 1; i <= nfields; i++) {
        lk = tolower(name[i])
        if (lk == "types") types = val[i]
        else if (lk == "uris") uris = val[i]
        else if (lk == "suites") suites = val[i]
        else if (lk == "components") comps = val[i]
        else if (lk == "enabled") enabled = tolower(trim(val[i]))
        else if (lk ~ /^(architectures|languages|targets)(-add|-remove)?$/) continue
        else opts = opts name[i] ":" val[i] "\n"
    }
    nfields = 0
    if (enabled == "no" || enabled == "false" || enabled == "0") return
    want = 0
    nt = split(types, t, /[ \t\n]+/)
    for (i = 1; i <= nt; i++) if (t[i] == "deb" || t[i] == "deb-src") want = 1
    if (!want) return
    nu = split(uris, u, /[ \t\n]+/)
    ns = split(suites, s, /[ \t\n]+/)
    for (a = 1; a <= nu; a++)
        for (b = 1; b <= ns; b++)
            if (u[a] != "" && s[b] != "") add(u[a], s[b], comps, opts)
}

function warn(msg) { printf "apt_sources.sh: %s: %s\n", FILENAME, msg > "/dev/stderr" }

FNR == 1 { stanza(); deb822 = (FILENAME != main && FILENAME ~ /\.sources$/) }

!deb822 { oneline($0); next }

/^[ \t]*$/ { stanza(); next }          # a blank line ends a stanza
/^#/ { next }                          # comments may stand inside one
/^[ \t]/ {                             # a continuation line
    if (nfields > 0) val[nfields] = val[nfields] "\n" $0
    next
}
{
    i = index($0, ":")
    if (i == 0) { warn("not a field: " $0); next }
    name[++nfields] = substr($0, 1, i - 1)
    val[nfields] = substr($0, i + 1)
    sub(/[ \t\r]+$/, "", val[nfields])
}

END {
    stanza()
    if (nkeys == 0) {
        print "apt_sources.sh: no deb entry in the apt configuration" > "/dev/stderr"
        exit 1
    }
    for (i = 1; i <= nkeys; i++) {
        k = order[i]
        if (i > 1) print ""
        print "Types: deb-src"
        print "URIs: " kuri[k]
        print "Suites: " ksuite[k]
        if (kcomps[k] != "") print "Components: " kcomps[k]
        printf "%s", kopts[k]
    }
}
' "$@"
