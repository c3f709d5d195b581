//! Code generation for a validated [`Model`].

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::{Field, Model};

pub(crate) fn expand(model: &Model, _item: &DeriveInput) -> TokenStream {
    let krate = quote!(::taskflow_tenancy);
    let ident = &model.ident;
    let vis = &model.vis;
    let name = ident.to_string();
    let table = model.table.as_ref().expect("validated").value();
    let tenant = model.tenant_field().expect("validated");
    let key = model.key_field().expect("validated");
    let tenant_ident = &tenant.ident;
    let tenant_column = tenant.column();
    let key_ident = &key.ident;
    let key_ty = &key.ty;
    let key_column = key.column();
    let new_ident = format_ident!("New{}", ident);
    let patch_ident = format_ident!("{}Patch", ident);

    let columns: Vec<&Field> = model
        .fields
        .iter()
        .filter(|f| f.ident != *tenant_ident)
        .collect();
    let patchable: Vec<&Field> = columns
        .iter()
        .copied()
        .filter(|f| f.ident != *key_ident)
        .collect();

    let column_infos = columns.iter().map(|f| {
        let column = f.column();
        let ty = &f.ty;
        quote_spanned! {ty.span()=>
            #krate::ColumnInfo {
                name: #column,
                kind: <#ty as #krate::SqlValue>::KIND,
                nullable: <#ty as #krate::SqlValue>::NULLABLE,
            }
        }
    });
    let uniques = model.unique.iter().map(|cols| {
        let names = cols.iter().map(|c| {
            let name = c.to_string();
            name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
        });
        quote!(&[#(#names),*])
    });
    let references = columns.iter().filter_map(|f| {
        let target = f.references.as_ref()?;
        let column = f.column();
        Some(quote_spanned! {target.span()=>
            #krate::ReferenceInfo {
                column: #column,
                table: <#target as #krate::TenantModel>::INFO.table,
                tenant_column: <#target as #krate::TenantModel>::INFO.tenant_column,
                key_column: <#target as #krate::TenantModel>::INFO.key_column,
            }
        })
    });

    let all_fields: Vec<&Field> = model.fields.iter().collect();
    let value_arms = all_fields.iter().map(|f| {
        let column = f.column();
        let field = &f.ident;
        quote!(#column => ::core::option::Option::Some(#krate::SqlValue::to_value(&self.#field)),)
    });

    let column_consts = columns.iter().map(|f| {
        let column = f.column();
        let ty = &f.ty;
        let konst = format_ident!("{}", column.to_uppercase());
        let doc = format!("The `{column}` column, for filters and ordering.");
        quote! {
            #[doc = #doc]
            #vis const #konst: #krate::Column<#ident, #ty> = #krate::Column::__new(#column);
        }
    });

    let new_fields = columns.iter().map(|f| {
        let (fvis, field, ty) = (&f.vis, &f.ident, &f.ty);
        let doc = format!("The `{}` column.", f.column());
        quote!(#[doc = #doc] #fvis #field: #ty,)
    });
    let new_values = columns.iter().map(|f| {
        let field = &f.ident;
        quote!(#krate::SqlValue::to_value(&self.#field))
    });
    let new_moves = columns.iter().map(|f| {
        let field = &f.ident;
        quote!(#field: self.#field,)
    });

    let patch_fields = patchable.iter().map(|f| {
        let (fvis, field, ty) = (&f.vis, &f.ident, &f.ty);
        let doc = format!("New value of the `{}` column, if it changes.", f.column());
        quote!(#[doc = #doc] #fvis #field: ::core::option::Option<#ty>,)
    });
    let patch_pushes = patchable.iter().map(|f| {
        let (field, column) = (&f.ident, f.column());
        quote! {
            if let ::core::option::Option::Some(value) = &self.#field {
                set.push((#column, #krate::SqlValue::to_value(value)));
            }
        }
    });

    let from_row_bounds = all_fields.iter().map(|f| {
        let ty = &f.ty;
        quote!(#ty: #krate::__private::sqlx::Decode<'r, R::Database> + #krate::__private::sqlx::Type<R::Database>,)
    });
    let from_row_fields = all_fields.iter().map(|f| {
        let (field, column) = (&f.ident, f.column());
        quote!(#field: #krate::__private::sqlx::Row::try_get(row, #column)?,)
    });

    let new_doc = format!(
        "A new row of [`{name}`] for `{name}::scoped(&mut tx).insert(..)`: every column but the tenant, which comes from the transaction's scope."
    );
    let patch_doc = format!(
        "Changes to a row of [`{name}`] for `{name}::scoped(&mut tx).update(..)`: `Some` fields are set. The tenant and the key cannot be changed."
    );
    let scoped_doc = format!(
        "A query on the rows of `{table}` of the tenant `tx` was entered for: every statement binds that tenant."
    );
    let all_doc = format!(
        "A query across every tenant's rows of `{table}`, with an audited admin capability."
    );

    quote! {
        #[doc = #new_doc]
        #vis struct #new_ident {
            #(#new_fields)*
        }

        #[doc = #patch_doc]
        #[derive(Default)]
        #vis struct #patch_ident {
            #(#patch_fields)*
        }

        #[automatically_derived]
        #[allow(clippy::all)]
        impl #krate::TenantModel for #ident {
            type Key = #key_ty;
            type New = #new_ident;
            type Patch = #patch_ident;
            const INFO: #krate::ModelInfo = #krate::ModelInfo {
                name: #name,
                table: #table,
                tenant_column: #tenant_column,
                key_column: #key_column,
                columns: &[#(#column_infos),*],
                unique: &[#(#uniques),*],
                references: &[#(#references),*],
            };

            fn tenant_id(&self) -> #krate::TenantId {
                self.#tenant_ident
            }

            fn key(&self) -> #key_ty {
                ::core::clone::Clone::clone(&self.#key_ident)
            }

            fn value_of(&self, column: &str) -> ::core::option::Option<#krate::Value> {
                match column {
                    #(#value_arms)*
                    _ => ::core::option::Option::None,
                }
            }

            fn __statements() -> ::core::option::Option<&'static #krate::__private::Statements> {
                static STATEMENTS: #krate::__private::Statements =
                    #krate::__private::Statements::new();
                ::core::option::Option::Some(&STATEMENTS)
            }
        }

        #[automatically_derived]
        #[allow(clippy::all)]
        impl #krate::NewRow<#ident> for #new_ident {
            fn into_parts(
                self,
                tenant_id: #krate::TenantId,
            ) -> (::std::vec::Vec<#krate::Value>, #ident) {
                let values = ::std::vec![#(#new_values),*];
                (values, #ident { #tenant_ident: tenant_id, #(#new_moves)* })
            }
        }

        #[automatically_derived]
        #[allow(clippy::all)]
        impl #krate::PatchRow for #patch_ident {
            fn assignments(&self) -> ::std::vec::Vec<(&'static str, #krate::Value)> {
                let mut set = ::std::vec::Vec::new();
                #(#patch_pushes)*
                set
            }
        }

        #[allow(clippy::all)]
        impl #ident {
            #(#column_consts)*

            #[doc = #scoped_doc]
            #vis fn scoped<'t, C: #krate::TenantConn + ?::core::marker::Sized>(
                tx: &'t mut C,
            ) -> #krate::Scoped<'t, #ident, C> {
                #krate::Scoped::__new(tx)
            }

            #[doc = #all_doc]
            #vis fn all_tenants(
                admin: &impl #krate::AsAdminCapability,
            ) -> #krate::AllTenants<#ident> {
                #krate::AllTenants::__new(#krate::AsAdminCapability::as_admin_capability(admin))
            }
        }

        #[automatically_derived]
        #[allow(clippy::all)]
        impl<'r, R> #krate::__private::sqlx::FromRow<'r, R> for #ident
        where
            R: #krate::__private::sqlx::Row,
            &'r str: #krate::__private::sqlx::ColumnIndex<R>,
            #(#from_row_bounds)*
        {
            fn from_row(row: &'r R) -> ::core::result::Result<Self, #krate::__private::sqlx::Error> {
                ::core::result::Result::Ok(#ident {
                    #(#from_row_fields)*
                })
            }
        }
    }
}
