import { createApp } from 'vue'
import { createPinia } from 'pinia'
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
import { registerIcons } from './icons'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)
registerIcons(app)

setSessionLostHandler(() => {
  const auth = useAuthStore(pinia)
  auth.forget()
  const here = router.currentRoute.value
  if (!here.meta.public) void router.replace({ path: '/login', query: { redirect: here.fullPath } })
})

app.mount('#app')
