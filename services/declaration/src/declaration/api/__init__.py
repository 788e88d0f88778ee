from declaration.api import declarations, others

# the fixed paths (/candidate-lists, /star-products, /public/...) come before /{declaration_id}
routers = [others.router, declarations.router]
