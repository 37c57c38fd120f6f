export type { UiAsset } from './assets.js'
export { UI_BASE, uiAssets } from './assets.js'
