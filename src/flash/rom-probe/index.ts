export { romProbePlan, type RomProbePlan, type PlanStep, type PlanPhase, type Expr, type PlanAddress, type When, type RegisterRef } from './plan.js';
export { renderPlanText, planToJson, describeStep, renderExpr, renderAddress } from './render.js';
export { romProbe, type RomProbeOptions } from './execute.js';
export { RomProbeError, type RomProbeErrorCode } from './interpreter.js';
export type { RomProbeReport } from './report.js';
