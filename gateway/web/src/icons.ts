import type { App } from 'vue'
import {
  ArrowDown, Bell, CircleCheck, CircleClose, Connection, DataAnalysis, Delete, Document, Grid, Key, List, Lock, Medal,
  OfficeBuilding, Picture, Plus, Refresh, Search, Share, ShoppingBag, Stamp, Star, SwitchButton, Timer, Trophy, Upload,
  UploadFilled, User,
} from '@element-plus/icons-vue'

// Only the icons the portal names (menus and buttons refer to them by name).
const ICONS = {
  ArrowDown, Bell, CircleCheck, CircleClose, Connection, DataAnalysis, Delete, Document, Grid, Key, List, Lock, Medal,
  OfficeBuilding, Picture, Plus, Refresh, Search, Share, ShoppingBag, Stamp, Star, SwitchButton, Timer, Trophy, Upload,
  UploadFilled, User,
}

export function registerIcons(app: App): void {
  for (const [name, component] of Object.entries(ICONS)) app.component(name, component)
}
