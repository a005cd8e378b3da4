"""Static rules, one module per area.

Importing this package imports none of them: ``registry.RULE_MODULES`` lists every rule
module (in catalogue order) with the models that need it, the walker imports a module only
for a model that needs it, and ``registry.load_all_rules()`` (or listing
``registry.RULES``) imports them all.
"""
