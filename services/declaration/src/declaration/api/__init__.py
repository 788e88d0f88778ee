from kit.open_data import schema_router

from declaration.api import candidates, dashboard, declarations, open, public, stars

# the fixed paths (/candidate-lists, /star-products, /public/...) come before /{declaration_id}
routers = [
    candidates.router,
    dashboard.router,
    public.router,
    stars.router,
    declarations.router,
    open.router,
    schema_router(),
]
