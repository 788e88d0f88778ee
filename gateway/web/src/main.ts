import { createApp } from 'vue'
import { createPinia } from 'pinia'
import * as Icons from '@element-plus/icons-vue'
// Styles of the services called from code (not templates), which the on-demand
// resolver cannot see.
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import 'element-plus/theme-chalk/el-loading.css'
import 'element-plus/theme-chalk/el-notification.css'
import './styles/main.css'
import App from './App.vue'
import { router } from './router'
import { setSessionLostHandler } from './api/http'
import { useAuthStore } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)
for (const [name, component] of Object.entries(Icons)) app.component(name, component)

setSessionLostHandler(() => {
  const auth = useAuthStore(pinia)
  auth.forget()
  const here = router.currentRoute.value
  if (!here.meta.public) void router.replace({ path: '/login', query: { redirect: here.fullPath } })
})

app.mount('#app')
