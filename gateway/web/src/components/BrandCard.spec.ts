import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import BrandCard from './BrandCard.vue'

// AuthImage fetches through the API (and pulls Element Plus in); here only the
// address it is given matters.
vi.mock('@/components/AuthImage.vue', () => ({
  default: defineComponent({
    props: { src: String, alt: String, fit: String },
    setup: (props) => () => h('img', { src: props.src, alt: props.alt }),
  }),
}))
const brand = { id: 'b1', name: '领跑冷链', story: '专注制冷二十年', has_logo: true, logo_url: '/api/mall/brands/b1/logo' }

describe('the brand block of a mall product', () => {
  it('shows the logo from the public brand-logo route with the name and story', () => {
    const w = mount(BrandCard, { props: { brand } })
    const img = w.find('[data-test="brand-logo"] img')
    expect(img.attributes('src')).toBe('/api/mall/brands/b1/logo')
    expect(img.attributes('alt')).toBe('领跑冷链 品牌标志')
    expect(w.text()).toContain('领跑冷链')
    expect(w.text()).toContain('专注制冷二十年')
  })

  it('leaves the logo out when the brand has none', () => {
    const w = mount(BrandCard, { props: { brand: { ...brand, has_logo: false, logo_url: null } } })
    expect(w.find('[data-test="brand-logo"]').exists()).toBe(false)
    expect(w.text()).toContain('领跑冷链')
  })

  it('never follows a logo address outside the mall route', () => {
    for (const logo_url of ['https://evil.example/x.png', '/api/auth/enterprise/logo', 'javascript:alert(1)']) {
      const w = mount(BrandCard, { props: { brand: { ...brand, logo_url } } })
      expect(w.find('[data-test="brand-logo"]').exists()).toBe(false)
    }
  })

  it('falls back to the listed brand name without a brand record', () => {
    const w = mount(BrandCard, { props: { brand: null, fallbackName: '美途' } })
    expect(w.text()).toContain('美途')
    expect(w.find('[data-test="brand-logo"]').exists()).toBe(false)
  })
})
