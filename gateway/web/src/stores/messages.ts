import { defineStore } from 'pinia'
import { ref } from 'vue'
import { notifyApi } from '@/api/notify'

// Polls the unread count for the header badge; a failed poll leaves the badge as it was.
export const useMessageStore = defineStore('messages', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh() {
    try {
      unread.value = await notifyApi.unreadCount()
    } catch {
      // keep the last known value; the next poll tries again
    }
  }

  function start() {
    stop()
    void refresh()
    timer = setInterval(refresh, 60000)
  }

  function stop() {
    if (timer) clearInterval(timer)
    timer = null
  }

  return { unread, refresh, start, stop }
})
