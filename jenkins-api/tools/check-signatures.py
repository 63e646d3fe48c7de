#!/usr/bin/env python3
"""Checks every declaration of the jenkins-api stand-ins against the real Java sources.

Usage: check-signatures.py STANDIN_SRC REAL_SRC_ROOT [REAL_SRC_ROOT ...]
  STANDIN_SRC    jenkins-api/src/main/java
  REAL_SRC_ROOT  source roots of the real code, e.g. a checkout of jenkinsci/jenkins at tag jenkins-2.479.3
                 (core/src/main/java) and of jenkinsci/workflow-step-api-plugin at 704.ve4f0967e98fa_
                 (src/main/java). The first root holding a file of the same path is used.

For each stand-in file, every type and member declaration (public, protected and package-private alike) is
normalised (annotations, comments, parameter names, bodies and initialisers dropped; whitespace canonical) and
looked up among the declarations of the same enclosing type in the real file. Prints one line per declaration:
OK, DIFF (with the real declarations of the same name) or NOFILE, then a summary. Each import of a stand-in file
must also be an import of the real file, or name a type of the real file's package, so that simple names in the
compared declarations resolve to the same types. Exit 1 if anything differs.
"""
import os
import re
import sys


def strip_comments_and_literals(src):
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i)
            i = n if j < 0 else j
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2)
            i = n if j < 0 else j + 2
            out.append(' ')
        elif src.startswith('"""', i):
            j = src.find('"""', i + 3)
            i = n if j < 0 else j + 3
            out.append('""')
        elif c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def remove_annotations(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == '@' and not text.startswith('@interface', i):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in '_.'):
                j += 1
            k = j
            while k < n and text[k].isspace():
                k += 1
            if k < n and text[k] == '(':
                depth = 0
                while k < n:
                    if text[k] == '(':
                        depth += 1
                    elif text[k] == ')':
                        depth -= 1
                        if depth == 0:
                            k += 1
                            break
                    k += 1
                j = k
            i = j
            out.append(' ')
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


def split_top(text, sep=','):
    parts, depth, cur = [], 0, ''
    for ch in text:
        if ch in '<([':
            depth += 1
        elif ch in '>)]':
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def canon(text):
    text = ' '.join(text.split())
    text = re.sub(r'\s*([<>,()\[\]&?])\s*', r'\1', text)
    text = re.sub(r'\.\.\.', '... ', text)
    text = text.replace(',', ', ').replace('&', ' & ')
    return ' '.join(text.split())


def normalise(decl):
    decl = ' '.join(remove_annotations(decl).split())
    decl = re.sub(r'\b(synchronized|native|strictfp)\s+', '', decl)
    if re.search(r'(^|\s)(class|interface|enum|@interface)\s', decl) and '(' not in decl.split('{')[0]:
        return canon(decl)
    if '=' in decl and '(' not in decl.split('=')[0]:
        decl = decl.split('=')[0]          # field: drop the initialiser
    p = decl.find('(')
    if p < 0:
        return canon(decl)
    depth, q = 0, p
    for q in range(p, len(decl)):
        depth += {'(': 1, ')': -1}.get(decl[q], 0)
        if depth == 0:
            break
    params = []
    for prm in split_top(decl[p + 1:q]):
        prm = re.sub(r'\bfinal\s+', '', prm.strip())
        prm = re.sub(r'\s*\.\.\.\s*', '... ', prm)
        toks = prm.rsplit(None, 1)
        params.append(toks[0] if len(toks) == 2 else prm)
    suffix = decl[q + 1:]
    if suffix.strip().startswith('default'):
        suffix = ''                        # annotation element default value
    return canon(decl[:p] + '(' + ','.join(params) + ')' + suffix)


def declarations(src):
    """Yields (enclosing type chain, declaration text) for every type and member declaration."""
    src = strip_comments_and_literals(src)
    result, stack, buf, i, n, paren = [], [], '', 0, len(src), 0

    def skip_block(k):
        depth = 0
        while k < n:
            if src[k] == '{':
                depth += 1
            elif src[k] == '}':
                depth -= 1
                if depth == 0:
                    return k + 1
            k += 1
        return n

    while i < n:
        c = src[i]
        if c == '(':
            paren += 1
        elif c == ')':
            paren -= 1
        if paren > 0 or c not in '{};':
            buf += c
            i += 1
            continue
        text = ' '.join(buf.split())
        intype = all(kind != 'body' for kind, _ in stack)
        if c == '{':
            bare = remove_annotations(text)
            m = re.search(r'(^|\s)(class|interface|enum|@interface)\s+(\w+)', bare)
            if '=' in bare.split('(')[0] and not m:
                buf += src[i:skip_block(i)]       # field initialiser with braces: keep reading to ';'
                i = skip_block(i)
                continue
            if m and intype and '(' not in bare[:m.start()]:
                result.append((tuple(name for _, name in stack), text))
                stack.append(('enum' if m.group(2) == 'enum' else 'type', m.group(3)))
                buf, i = '', i + 1
                if m.group(2) == 'enum':          # constants up to the first ';' or '}'
                    j = i
                    while j < n and src[j] not in ';}':
                        j = skip_block(j) if src[j] == '{' else j + 1
                    consts = [x.split('(')[0].strip() for x in split_top(src[i:j]) if x.strip()]
                    for const in consts:
                        result.append((tuple(name for _, name in stack), 'enum-constant ' + remove_annotations(const).strip()))
                    i = j + 1 if j < n and src[j] == ';' else j
                continue
            if intype and text and not text.startswith('static') and text != '':
                result.append((tuple(name for _, name in stack), text))
            i = skip_block(i)
            buf = ''
            continue
        if c == '}':
            if stack:
                stack.pop()
            buf, i = '', i + 1
            continue
        if intype and text and not text.startswith(('package ', 'import ')):
            result.append((tuple(name for _, name in stack), text))
        buf, i = '', i + 1
    return result


def index(decls):
    out = {}
    for chain, text in decls:
        out.setdefault(chain, set()).add(normalise(text))
    return out


def decl_name(norm):
    m = re.search(r'(\w+)\s*\(', norm)
    if m:
        return m.group(1)
    m = re.search(r'(class|interface|enum|@interface)\s+(\w+)', norm)
    if m:
        return m.group(2)
    return norm.split()[-1] if norm.split() else norm


def types_without_constructor(decls):
    """Classes (not interfaces, enums or annotations) of a file that declare no constructor."""
    out = []
    for chain, text in decls:
        m = re.search(r'(^|\s)class\s+(\w+)', remove_annotations(text))
        if not m:
            continue
        name = m.group(2)
        inner = chain + (name,)
        if not any(c == inner and re.match(r'(\w+\s+)*%s\s*\(' % name, remove_annotations(t).strip())
                   for c, t in decls):
            out.append((chain, name, 'class'))
    return out


def main():
    standin, roots = sys.argv[1], sys.argv[2:]
    counts = {'OK': 0, 'DIFF': 0, 'NOFILE': 0}
    for dirpath, _, files in sorted(os.walk(standin)):
        for f in sorted(files):
            if not f.endswith('.java'):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), standin)
            real = next((os.path.join(r, rel) for r in roots if os.path.exists(os.path.join(r, rel))), None)
            mine = declarations(open(os.path.join(standin, rel)).read())
            if real is None:
                counts['NOFILE'] += len(mine)
                print('NOFILE %s (%d declarations)' % (rel, len(mine)))
                continue
            real_src = open(real).read()
            theirs = index(declarations(real_src))
            real_imports = set(re.findall(r'^import\s+(static\s+)?([\w.]+)\s*;', real_src, re.M))
            real_pkg = re.search(r'^package\s+([\w.]+)', real_src, re.M).group(1)
            for imp in re.findall(r'^import\s+(static\s+)?([\w.]+)\s*;', open(os.path.join(standin, rel)).read(), re.M):
                # a name the stand-in imports must come from where the real file takes it (its import or its package)
                same_pkg = imp[1].rsplit('.', 1)[0] == real_pkg
                key = 'OK' if imp in real_imports or same_pkg else 'DIFF'
                counts[key] += 1
                print('%-6s %s [import] %s' % (key, rel, (imp[0] + imp[1]).strip()))
            for chain, name, kind in types_without_constructor(mine):
                # javac gives such a class a default constructor: the real class must have one too
                real_ctors = [x for x in theirs.get(chain + (name,), set()) if re.match(r'.*\b%s\(' % name, x)]
                key = 'OK' if not real_ctors else 'DIFF'
                counts[key] += 1
                print('%-6s %s [%s] (default constructor)' % (key, rel, '.'.join(chain + (name,))))
                for x in sorted(real_ctors):
                    print('         real: %s' % x)
            for chain, text in mine:
                norm = normalise(text)
                where = '.'.join(chain) or '-'
                if norm in theirs.get(chain, set()):
                    counts['OK'] += 1
                    print('OK     %s [%s] %s' % (rel, where, norm))
                else:
                    counts['DIFF'] += 1
                    near = sorted(x for x in theirs.get(chain, set()) if decl_name(x) == decl_name(norm))
                    print('DIFF   %s [%s] %s' % (rel, where, norm))
                    for x in near:
                        print('         real: %s' % x)
    print('summary: %d OK, %d DIFF, %d in files without a real counterpart'
          % (counts['OK'], counts['DIFF'], counts['NOFILE']))
    sys.exit(1 if counts['DIFF'] else 0)


if __name__ == '__main__':
    main()
