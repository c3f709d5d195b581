//! Validation of the parsed [`Model`]: every rule a model must follow, with a spanned error
//! that says what to write instead.

use syn::{GenericArgument, PathArguments, Type};

use crate::ast::Model;

pub(crate) fn check(model: &Model) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(first) => first.combine(e),
        None => errors = Some(e),
    };

    if let Some(span) = model.generics {
        push(syn::Error::new(
            span,
            "#[tenant_scoped] models cannot be generic: each model maps to one table with fixed column types; declare one concrete struct per table",
        ));
    }

    match &model.table {
        None => push(syn::Error::new_spanned(
            &model.ident,
            "missing table name: write #[tenant_scoped(table = \"...\")]",
        )),
        Some(table) if !is_plain_identifier(&table.value()) => push(syn::Error::new_spanned(
            table,
            "the table name must be a plain SQL identifier: letters, digits and `_`, not starting with a digit",
        )),
        Some(_) => {}
    }

    let tenant = model.tenant_field();
    match (&model.tenant, tenant) {
        (Some(named), None) => push(syn::Error::new_spanned(
            named,
            format!(
                "`tenant = {named}` names no field of this struct; name the field of type `TenantId`"
            ),
        )),
        (None, None) => push(syn::Error::new_spanned(
            &model.ident,
            "no tenant column: add a field `tenant_id: TenantId`, or name yours with #[tenant_scoped(tenant = field)]",
        )),
        (_, Some(field)) => {
            if !is_tenant_id(&field.ty) {
                push(syn::Error::new_spanned(
                    &field.ty,
                    format!(
                        "the tenant column `{name}` must have type `TenantId`, not an Option, a Uuid or a string, so that every row holds a tenant's id: write `{name}: TenantId`",
                        name = field.ident
                    ),
                ));
            }
            if let Some(path) = &field.references {
                push(syn::Error::new_spanned(
                    path,
                    "the tenant column cannot reference another model: it references the tenants table; put `references = Model` on the column that holds the other row's key",
                ));
            }
        }
    }

    let key = model.key_field();
    match (&model.key, key) {
        (Some(named), None) => push(syn::Error::new_spanned(
            named,
            format!(
                "`key = {named}` names no field of this struct; name the field that tells one tenant's rows apart, e.g. `key = id`"
            ),
        )),
        (None, None) => push(syn::Error::new_spanned(
            &model.ident,
            "no key column: add a field `id`, or name the key with #[tenant_scoped(key = field)]; the primary key is (tenant_id, key)",
        )),
        (_, Some(key)) => {
            if let Some(tenant) = tenant
                && tenant.ident == key.ident
            {
                push(syn::Error::new_spanned(
                    model.key.as_ref().unwrap_or(&key.ident),
                    "the key cannot be the tenant column: name the column that tells one tenant's rows apart, e.g. `key = id`",
                ));
            }
            if is_option(&key.ty) {
                push(syn::Error::new_spanned(
                    &key.ty,
                    "the key column cannot be an Option: every row needs a key; use the plain type, e.g. `id: Uuid`",
                ));
            }
        }
    }

    for columns in &model.unique {
        for column in columns {
            match model.field(column) {
                None => push(syn::Error::new_spanned(
                    column,
                    format!(
                        "unique({column}) names no field of this struct; list the fields whose values are unique per tenant"
                    ),
                )),
                Some(field) if Some(field.ident.clone()) == tenant.map(|t| t.ident.clone()) => {
                    push(syn::Error::new_spanned(
                        column,
                        "leave the tenant column out of unique(...): uniqueness is always per tenant",
                    ))
                }
                Some(_) => {}
            }
        }
    }

    if let Some(tenant) = tenant {
        for field in &model.fields {
            if field.ident == tenant.ident {
                continue;
            }
            if field.column() == "tenant_id" || holds_tenant_id(&field.ty) {
                push(syn::Error::new_spanned(
                    &field.ident,
                    format!(
                        "a model has one tenant column, `{}`: a second field that looks like a tenant (`{}`) would be written from user data; rename it, or make it the tenant with #[tenant_scoped(tenant = {})]",
                        tenant.ident, field.ident, field.ident
                    ),
                ));
            }
        }
    }

    for field in &model.fields {
        if !is_plain_identifier(&field.column()) {
            push(syn::Error::new_spanned(
                &field.ident,
                "column names must be plain SQL identifiers: rename the field with ASCII letters, digits and `_`",
            ));
        }
    }

    match errors {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        _ => None,
    }
}

fn is_tenant_id(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(seg) if seg.ident == "TenantId" && seg.arguments.is_none())
}

/// `TenantId`, or a type with `TenantId` among its generic arguments (`Option<TenantId>`,
/// `Vec<TenantId>`): a field that stores another tenant's id. A type alias hides it from a
/// macro, which sees syntax only; the docs say so.
fn holds_tenant_id(ty: &Type) -> bool {
    if is_tenant_id(ty) {
        return true;
    }
    match last_segment(ty).map(|seg| &seg.arguments) {
        Some(PathArguments::AngleBracketed(args)) => args
            .args
            .iter()
            .any(|arg| matches!(arg, GenericArgument::Type(inner) if holds_tenant_id(inner))),
        _ => false,
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(seg) if seg.ident == "Option"
        && matches!(&seg.arguments, PathArguments::AngleBracketed(a)
            if a.args.len() == 1 && matches!(a.args[0], GenericArgument::Type(_))))
}
