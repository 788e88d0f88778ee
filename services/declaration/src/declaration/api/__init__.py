from declaration.api import candidates, declarations, public, stars

# the fixed paths (/candidate-lists, /star-products, /public/...) come before /{declaration_id}
routers = [candidates.router, public.router, stars.router, declarations.router]
