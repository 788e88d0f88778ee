import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi, type EnterpriseNature, type EnterpriseProfile } from '@/api/auth'

// The enterprise's own profile where several places need it: registration leaves 企业性质 and 行政区划
// empty, and the portal asks for them where they are first needed (the declaration's enterprise block)
// and says so after the first login, until they are filled.
export const useProfileStore = defineStore('profile', () => {
  const profile = ref<EnterpriseProfile | null>(null)

  const missing = computed(() => {
    const p = profile.value
    if (!p) return [] as ('nature' | 'region_code')[]
    const out: ('nature' | 'region_code')[] = []
    if (!p.nature) out.push('nature')
    if (!p.region_code) out.push('region_code')
    return out
  })

  async function load(): Promise<EnterpriseProfile | null> {
    profile.value = await authApi.getEnterprise().catch(() => null)
    return profile.value
  }

  /** Saves the given fields with the rest of the profile as it stands. */
  async function complete(fields: { nature?: EnterpriseNature | ''; region_code?: string }): Promise<EnterpriseProfile> {
    const current = profile.value ?? (await authApi.getEnterprise())
    // the phone is not sent: it changes only through 修改联系电话 (password and a code to the new phone)
    const { name, nature, contact_name, region_code, email, address } = { ...current, ...fields }
    profile.value = await authApi.updateEnterprise({
      name,
      nature: nature || null,
      contact_name: contact_name ?? '',
      region_code: region_code || null,
      email: email || null,
      address: address || null,
    })
    return profile.value
  }

  function adopt(p: EnterpriseProfile) {
    profile.value = { ...p }
  }

  function forget() {
    profile.value = null
  }

  return { profile, missing, load, complete, adopt, forget }
})
