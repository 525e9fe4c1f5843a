#!/bin/sh
# test_apt_sources.sh - tests/apt_sources.sh on sample apt configurations.
#
# Each case writes a sources.list and a sources.list.d/ into a scratch
# directory, derives the deb-src list from them and compares it with the
# list expected; then apt itself reads the sample and the derived list
# together (apt-cache policy, private directories, no network) and must
# accept them: the failure this guards against is apt's "Conflicting values
# set for option Signed-By", which stops every apt-get on the machine.
# Prints "N passed, N failed"; exits 1 if any case failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# scratch inside the checkout (build/), never elsewhere on the machine
tmp=$here/../build/apt-sources-test
rm -rf "$tmp" && mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# case <name>: the sample is $tmp/<name>/conf/{sources.list,sources.list.d/};
# the expected output is read from standard input.
new() {
    name=$1
    d=$tmp/$name
    mkdir -p "$d/conf/sources.list.d" "$d/lists/partial" "$d/cache" "$d/all"
}
list() { cat > "$d/conf/sources.list"; }            # list: the one-line file
part() { cat > "$d/conf/sources.list.d/$1"; }        # part NAME: one in the parts directory
# policy <parts>: apt reads that directory as its whole source configuration
policy() {
    apt-cache -o Dir::Etc::SourceList="$d/none" -o Dir::Etc::SourceParts="$1" \
        -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" policy > "$d/policy" 2>&1
}
check() {
    cat > "$d/expected"
    sh "$here/apt_sources.sh" "$d/conf/sources.list" "$d/conf/sources.list.d" > "$d/got" 2> "$d/err"
    st=$?
    if [ $st -ne 0 ] || ! cmp -s "$d/expected" "$d/got"; then
        echo "FAIL $name: derived list (exit $st) differs from the expected one:"
        diff "$d/expected" "$d/got" | sed 's/^/    /'
        sed 's/^/    stderr: /' "$d/err"
        failed=$((failed + 1))
        return
    fi
    if command -v apt-cache > /dev/null 2>&1; then
        # the machine's own configuration and the derived list, read as one
        [ -f "$d/conf/sources.list" ] && cp "$d/conf/sources.list" "$d/all/00-sample.list"
        for f in "$d"/conf/sources.list.d/*; do
            [ -f "$f" ] && cp "$f" "$d/all/10-${f##*/}"
        done
        if ! policy "$d/all"; then
            echo "FAIL $name: the sample itself is not a valid apt configuration:"
            sed 's/^/    /' "$d/policy"
            failed=$((failed + 1))
            return
        fi
        cp "$d/got" "$d/all/99-derived.sources"
        if ! policy "$d/all"; then
            echo "FAIL $name: apt does not accept the derived list beside the sample:"
            sed 's/^/    /' "$d/policy"
            failed=$((failed + 1))
            return
        fi
    fi
    echo "ok   $name"
    passed=$((passed + 1))
}
# refused <name>: no entry, exit status 1 and nothing on standard output
refused() {
    sh "$here/apt_sources.sh" "$d/conf/sources.list" "$d/conf/sources.list.d" > "$d/got" 2> "$d/err"
    st=$?
    if [ $st -eq 1 ] && [ ! -s "$d/got" ] && [ -s "$d/err" ]; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: expected exit 1, no output and a message; got exit $st:"
        sed 's/^/    /' "$d/got" "$d/err"
        failed=$((failed + 1))
    fi
}

new deb822-signed-by
part debian.sources <<'EOF'
Types: deb
# a comment inside the stanza
URIs: http://archive.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF

new deb822-no-signed-by
part debian.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main contrib non-free-firmware
Architectures: amd64 i386
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main contrib non-free-firmware
EOF

new one-line-signed-by
list <<'EOF'
# the machine's archive
deb [arch=amd64,i386 signed-by=/usr/share/keyrings/example-archive-keyring.gpg] http://archive.example.org/debian bookworm main contrib
deb [ signed-by=/usr/share/keyrings/example-archive-keyring.gpg lang=en ] http://security.example.org/debian-security bookworm-security main # trailing comment
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF

new one-line-plain
list <<'EOF'
deb http://archive.example.org/debian bookworm main
deb http://archive.example.org/debian bookworm-updates main
	deb   http://security.example.org/debian-security   bookworm-security   main
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm-updates
Components: main

Types: deb-src
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main
EOF

new mixed-formats
list <<'EOF'
deb [trusted=yes arch+=i386] http://local.example.org/repo stable main
EOF
part debian.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF
part extra.list <<'EOF'
deb [signed-by=/usr/share/keyrings/example-archive-keyring.gpg] http://archive.example.org/debian bookworm contrib
EOF
part disabled.sources <<'EOF'
Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no
EOF
part ignored.list.disabled <<'EOF'
deb http://ignored.example.org/debian bookworm main
EOF
part 'bad name.list' <<'EOF'
deb http://ignored.example.org/debian bookworm main
EOF
check <<'EOF'
Types: deb-src
URIs: http://local.example.org/repo
Suites: stable
Components: main
Trusted: yes

Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF

new deb-src-present
part debian.sources <<'EOF'
Types: deb deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF
part more.list <<'EOF'
deb-src [signed-by=/usr/share/keyrings/example-archive-keyring.gpg] http://archive.example.org/debian/ bookworm main
deb-src http://other.example.org/debian bookworm main
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://other.example.org/debian
Suites: bookworm
Components: main
EOF

new suites-and-components
part a.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
      http://mirror.example.net/debian
Suites: bookworm
        bookworm-backports
Components: main contrib
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF
part b.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
Suites: bookworm
Components: non-free main
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg
EOF
part c.sources <<'EOF'
Types: deb
URIs: http://flat.example.org/repo
Suites: ./
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main contrib non-free
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm-backports
Components: main contrib
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://mirror.example.net/debian
Suites: bookworm
Components: main contrib
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://mirror.example.net/debian
Suites: bookworm-backports
Components: main contrib
Check-Valid-Until: no
Signed-By: /usr/share/keyrings/example-archive-keyring.gpg

Types: deb-src
URIs: http://flat.example.org/repo
Suites: ./
EOF

new inline-key
part inline.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZQAAABYJKwYBBAHaRw8BAQdAexampleexampleexampleexampleexample
 =abcd
 -----END PGP PUBLIC KEY BLOCK-----
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZQAAABYJKwYBBAHaRw8BAQdAexampleexampleexampleexampleexample
 =abcd
 -----END PGP PUBLIC KEY BLOCK-----
EOF

new cdrom-and-comments
list <<'EOF'
# deb http://commented.example.org/debian bookworm main
deb cdrom:[Debian GNU/Linux 12]/ bookworm main
deb http://archive.example.org/debian bookworm main
EOF
check <<'EOF'
Types: deb-src
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
EOF

new no-entries
list <<'EOF'
# nothing configured
EOF
part off.sources <<'EOF'
Types: deb
URIs: http://archive.example.org/debian
Suites: bookworm
Components: main
Enabled: no
EOF
refused

new no-files
rmdir "$d/conf/sources.list.d"
refused

echo "apt_sources.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
