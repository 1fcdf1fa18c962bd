/** Attacker profiles as `decnet attackers` reads and shows them. */
export type {AttackerCommand, AttackerProfile, TechniqueCount} from './attacker-profile.js'
export {formatAttackerDetail, formatAttackerTable} from './format-attackers.js'
export type {ListAttackersOptions} from './read-attackers.js'
export {countAttackers, findAttacker, listAttackers} from './read-attackers.js'
